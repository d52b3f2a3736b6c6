//! Parquet part files: a batch of rows written atomically as one file (one row group), and
//! read back column by column.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, Float32Array, Float64Array, Int64Array, RecordBatch, StringArray, UInt8Array,
};
use arrow_schema::DataType;
use mer_io::{AtomicFile, Overwrite};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::{CatalogError, Result};
use crate::row::{Row, schema};

/// Writes `rows` to `path` atomically (mer-io) as one Parquet file with one row group,
/// snappy-compressed.
pub(crate) fn write_part(path: &Path, rows: &[Row], overwrite: Overwrite) -> Result<()> {
    let batch = to_batch(rows).map_err(CatalogError::parquet(path))?;
    let file = AtomicFile::create(path, overwrite)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(rows.len().max(1)))
        .build();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props))
        .map_err(CatalogError::parquet(path))?;
    w.write(&batch).map_err(CatalogError::parquet(path))?;
    let file = w.into_inner().map_err(CatalogError::parquet(path))?;
    file.commit()?;
    Ok(())
}

fn to_batch(rows: &[Row]) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.path.as_str()),
        )),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.duration_s))),
        Arc::new(Float32Array::from_iter(rows.iter().map(|r| r.arousal))),
        Arc::new(Float32Array::from_iter(rows.iter().map(|r| r.valence))),
        Arc::new(UInt8Array::from_iter(rows.iter().map(|r| r.quadrant))),
        Arc::new(Float32Array::from_iter(rows.iter().map(|r| r.confidence))),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.model.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.error.as_str()),
        )),
        Arc::new(Int64Array::from_iter(
            rows.iter()
                .map(|r| r.size.map(|s| i64::try_from(s).unwrap_or(i64::MAX))),
        )),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.mtime))),
    ];
    RecordBatch::try_new(schema(), cols)
}

/// Calls `each` with every row of the Parquet file `path`, reading 8,192 rows at a time. The
/// columns are found by name; numbers may be stored as any integer or float type (a catalog
/// written by another tool, e.g. the Ray example, reads too); `path` is required, a missing
/// `model` or `error` column reads as empty, other missing columns as nulls.
pub(crate) fn read_part(path: &Path, mut each: impl FnMut(Row) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(CatalogError::io(path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(CatalogError::parquet(path))?
        .with_batch_size(8192)
        .build()
        .map_err(CatalogError::parquet(path))?;
    let mut n = 0u64;
    for batch in reader {
        let batch = batch.map_err(CatalogError::parquet(path))?;
        let col = |name: &str| batch.column_by_name(name).cloned();
        let bad = |row: u64, reason: String| CatalogError::BadRow {
            path: path.to_path_buf(),
            row,
            reason,
        };
        let paths = col("path").ok_or_else(|| bad(n + 1, "no `path` column".into()))?;
        let paths = paths
            .as_string_opt::<i32>()
            .ok_or_else(|| bad(n + 1, format!("`path` is {}, not text", paths.data_type())))?;
        let text_col =
            |name: &str| -> Result<Option<StringArray>> {
                match col(name) {
                    None => Ok(None),
                    Some(c) => c.as_string_opt::<i32>().cloned().map(Some).ok_or_else(|| {
                        bad(n + 1, format!("`{name}` is {}, not text", c.data_type()))
                    }),
                }
            };
        let (model, error) = (text_col("model")?, text_col("error")?);
        let nums: Vec<Option<ArrayRef>> = [
            "duration_s",
            "arousal",
            "valence",
            "quadrant",
            "confidence",
            "size",
            "mtime",
        ]
        .iter()
        .map(|c| col(c))
        .collect();
        for i in 0..batch.num_rows() {
            n += 1;
            if paths.is_null(i) {
                return Err(bad(n, "no path".into()));
            }
            let num = |k: usize| nums[k].as_deref().and_then(|c| number(c, i));
            let text = |c: &Option<StringArray>| {
                c.as_ref()
                    .filter(|c| !c.is_null(i))
                    .map_or(String::new(), |c| c.value(i).to_string())
            };
            each(Row {
                path: paths.value(i).to_string(),
                duration_s: num(0),
                arousal: num(1).map(|x| x as f32),
                valence: num(2).map(|x| x as f32),
                quadrant: num(3).filter(|q| (1.0..=4.0).contains(q)).map(|q| q as u8),
                confidence: num(4).map(|x| x as f32),
                model: text(&model),
                error: text(&error),
                size: int(nums[5].as_deref(), i).and_then(|s| u64::try_from(s).ok()),
                mtime: int(nums[6].as_deref(), i),
            })?;
        }
    }
    Ok(())
}

/// Value `i` of a numeric column as f64 (`None` when null or not numeric).
fn number(c: &dyn Array, i: usize) -> Option<f64> {
    if c.is_null(i) {
        return None;
    }
    Some(match c.data_type() {
        DataType::Float64 => c.as_primitive::<Float64Type>().value(i),
        DataType::Float32 => c.as_primitive::<Float32Type>().value(i) as f64,
        _ => int(Some(c), i)? as f64,
    })
}

/// Value `i` of an integer column (`None` when null or not an integer type).
fn int(c: Option<&dyn Array>, i: usize) -> Option<i64> {
    let c = c?;
    if c.is_null(i) {
        return None;
    }
    Some(match c.data_type() {
        DataType::Int64 => c.as_primitive::<Int64Type>().value(i),
        DataType::Int32 => c.as_primitive::<Int32Type>().value(i) as i64,
        DataType::Int16 => c.as_primitive::<Int16Type>().value(i) as i64,
        DataType::Int8 => c.as_primitive::<Int8Type>().value(i) as i64,
        DataType::UInt64 => i64::try_from(c.as_primitive::<UInt64Type>().value(i)).ok()?,
        DataType::UInt32 => c.as_primitive::<UInt32Type>().value(i) as i64,
        DataType::UInt16 => c.as_primitive::<UInt16Type>().value(i) as i64,
        DataType::UInt8 => c.as_primitive::<UInt8Type>().value(i) as i64,
        _ => return None,
    })
}
