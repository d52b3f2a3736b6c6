//! Parameter counts by hand (the same sizes PyTorch reports for bench/crnn_torch.py).

use burn::tensor::Device;
use mer_model::ModelConfig;
use mer_model::bench::trainable_params;

#[test]
fn crnn_parameter_count_matches_the_formula() {
    let dev = Device::flex().autodiff();
    let net = ModelConfig::preset("crnn", 40)
        .unwrap()
        .init_net(&dev)
        .unwrap();
    // conv 1→32 3×3 + bias; BatchNorm γ, β; trunk 32·(40/5) = 256.
    let conv = 32 * 9 + 32 + 2 * 32;
    // GRU(256→32): 3H·(in + H) + 6H biases; GRU(32→32); linear 32→1.
    let branch = (3 * 32 * (256 + 32) + 6 * 32) + (3 * 32 * (32 + 32) + 6 * 32) + 33;
    assert_eq!(trainable_params(&net), conv + 2 * branch);
    assert_eq!(conv + 2 * branch, 68_802);
}
