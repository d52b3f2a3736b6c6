//! A GRU whose gates are fused: one matmul for the input projection of all gates over all
//! time steps at once, then one matmul per step for the hidden projection of all gates.
//!
//! burn's stock `Gru` computes three gates with six matmuls per step (and writes each step into
//! the output with `slice_assign`); with small hidden sizes, as in Malik et al. 2017, the per-op
//! overhead dominates. This module computes the same function as PyTorch's `nn.GRU`
//! (`reset_after`, gate order r, z, n). On the Flex CPU backend the recurrence itself is one
//! operation (plain loops forward, a hand-written backward pass, see [`recurrence`]); on other
//! backends it is ~14 tensor operations per step ([`recurrence_ops`]).
//!
//! ```text
//! r_t = σ(x_t W_ir + b_ir + h W_hr + b_hr)
//! z_t = σ(x_t W_iz + b_iz + h W_hz + b_hz)
//! n_t = tanh(x_t W_in + b_in + r_t ⊙ (h W_hn + b_hn))
//! h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}  =  n_t + z_t ⊙ (h_{t−1} − n_t)
//! ```

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor};

/// Configuration of a [`FusedGru`].
#[derive(Config, Debug)]
pub struct FusedGruConfig {
    /// Input features per step.
    pub d_input: usize,
    /// Hidden units.
    pub d_hidden: usize,
}

/// A unidirectional GRU layer with fused gates (see the module docs).
#[derive(Module, Debug)]
pub struct FusedGru {
    /// Input weights of the gates r, z, n side by side: `[d_input, 3·d_hidden]`.
    pub w_ih: Param<Tensor<2>>,
    /// Hidden weights of the gates r, z, n side by side: `[d_hidden, 3·d_hidden]`.
    pub w_hh: Param<Tensor<2>>,
    /// Input biases `[3·d_hidden]`.
    pub b_ih: Param<Tensor<1>>,
    /// Hidden biases `[3·d_hidden]`.
    pub b_hh: Param<Tensor<1>>,
    /// Hidden units.
    pub d_hidden: usize,
}

impl FusedGruConfig {
    /// Initialises the weights as PyTorch does: uniform in ±1/√d_hidden.
    pub fn init(&self, device: &Device) -> FusedGru {
        let k = 1.0 / (self.d_hidden as f64).sqrt();
        let init = Initializer::Uniform { min: -k, max: k };
        let g = 3 * self.d_hidden;
        FusedGru {
            w_ih: init.init([self.d_input, g], device),
            w_hh: init.init([self.d_hidden, g], device),
            b_ih: init.init([g], device),
            b_hh: init.init([g], device),
            d_hidden: self.d_hidden,
        }
    }
}

impl FusedGru {
    /// Runs the GRU over a sequence from a zero state.
    ///
    /// - `input`: `[batch, time, d_input]`
    /// - returns: `[batch, time, d_hidden]`, the hidden state after every step.
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        let [batch, time, d_input] = input.dims();
        // Input projection of every gate at every step at once.
        let xi = input
            .reshape([batch * time, d_input])
            .matmul(self.w_ih.val())
            .add(self.b_ih.val().unsqueeze::<2>()) // [batch·time, 3H]
            .reshape([batch, time, 3 * self.d_hidden]); // [batch, time, 3H]
        recurrence(xi, self.w_hh.val(), self.b_hh.val())
    }
}

/// The GRU recurrence from a zero state, given the input projections.
///
/// - `xi`: `[batch, time, 3H]`, `x_t W_ih + b_ih` for the gates r, z, n
/// - `w_hh`: `[H, 3H]`, `b_hh`: `[3H]`
/// - returns: `[batch, time, H]`
///
/// On the Flex CPU backend (with or without autodiff) this is one pass over the sequence in
/// plain loops on `f32` buffers, and on autodiff a hand-written backward pass registered as one
/// operation, instead of recording ~14 tensor operations per step. Other backends (and other
/// dtypes) run [`recurrence_ops`].
pub fn recurrence(xi: Tensor<3>, w_hh: Tensor<2>, b_hh: Tensor<1>) -> Tensor<3> {
    if let Some(h) = kernel::recurrence_flex(&xi, &w_hh, &b_hh) {
        return h;
    }
    recurrence_ops(xi, w_hh, b_hh)
}

/// [`recurrence`] written with burn tensor operations (any backend; the reference of the
/// kernel's tests).
pub fn recurrence_ops(xi: Tensor<3>, w_hh: Tensor<2>, b_hh: Tensor<1>) -> Tensor<3> {
    let [batch, time, g] = xi.dims();
    let h_dim = g / 3;
    let device = xi.device();
    let b_hh = b_hh.unsqueeze::<2>(); // [1, 3H]
    let mut h = Tensor::<2>::zeros([batch, h_dim], &device); // [batch, H]
    let mut outputs = Vec::with_capacity(time);
    for t in 0..time {
        let xt = xi
            .clone()
            .slice([0..batch, t..t + 1])
            .reshape([batch, 3 * h_dim]); // [batch, 3H]
        let gh = h.clone().matmul(w_hh.clone()).add(b_hh.clone()); // [batch, 3H]
        let rz = sigmoid(
            xt.clone()
                .slice([0..batch, 0..2 * h_dim])
                .add(gh.clone().slice([0..batch, 0..2 * h_dim])),
        ); // [batch, 2H]
        let r = rz.clone().slice([0..batch, 0..h_dim]); // [batch, H]
        let z = rz.slice([0..batch, h_dim..2 * h_dim]); // [batch, H]
        let n = xt
            .slice([0..batch, 2 * h_dim..3 * h_dim])
            .add(r.mul(gh.slice([0..batch, 2 * h_dim..3 * h_dim])))
            .tanh(); // [batch, H]
        h = n.clone().add(z.mul(h.sub(n))); // [batch, H]
        outputs.push(h.clone());
    }
    Tensor::stack(outputs, 1) // [batch, time, H]
}

/// The GRU recurrence on raw `f32` buffers of the Flex backend, forward and backward.
mod kernel {
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::backend::flex::FlexTensor;
    use burn::backend::ops::FloatTensorOps;
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{DType, Tensor, TensorData};

    /// Runs [`super::recurrence`] on Flex primitives; `None` when the tensors live elsewhere.
    pub(super) fn recurrence_flex(
        xi: &Tensor<3>,
        w_hh: &Tensor<2>,
        b_hh: &Tensor<1>,
    ) -> Option<Tensor<3>> {
        if let (Ok(xi), Ok(w), Ok(b)) = (
            xi.clone().try_into_primitive::<Autodiff<Flex>>(),
            w_hh.clone().try_into_primitive::<Autodiff<Flex>>(),
            b_hh.clone().try_into_primitive::<Autodiff<Flex>>(),
        ) {
            if ![&xi, &w, &b].iter().all(|t| is_f32(t.primitive())) {
                return None;
            }
            let out = match GruBackward
                .prepare::<NoCheckpointing>([xi.node(), w.node(), b.node()])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let dims = Dims::of(xi.primitive());
                    let w_hh = w.primitive().clone();
                    let mut saved = Saved::new(dims);
                    let h = forward(
                        dims,
                        &f32s(xi.primitive()),
                        &f32s(&w_hh),
                        &f32s(b.primitive()),
                        Some(&mut saved),
                    );
                    prep.finish(
                        (dims, w_hh, saved),
                        tensor(h, [dims.batch, dims.time, dims.h]),
                    )
                }
                OpsKind::UnTracked(prep) => prep.finish(forward_primitive(
                    xi.primitive(),
                    w.primitive(),
                    b.primitive(),
                )),
            };
            return Some(Tensor::from_primitive::<Autodiff<Flex>>(out));
        }
        let (Ok(xi), Ok(w), Ok(b)) = (
            xi.clone().try_into_primitive::<Flex>(),
            w_hh.clone().try_into_primitive::<Flex>(),
            b_hh.clone().try_into_primitive::<Flex>(),
        ) else {
            return None;
        };
        if ![&xi, &w, &b].iter().all(|t| is_f32(t)) {
            return None;
        }
        Some(Tensor::from_primitive::<Flex>(forward_primitive(
            &xi, &w, &b,
        )))
    }

    /// Sizes of one recurrence.
    #[derive(Clone, Copy, Debug)]
    struct Dims {
        batch: usize,
        time: usize,
        /// Hidden units H.
        h: usize,
    }

    impl Dims {
        fn of(xi: &FlexTensor) -> Self {
            let s = xi.layout().shape();
            Dims {
                batch: s[0],
                time: s[1],
                h: s[2] / 3,
            }
        }
    }

    /// What the backward pass needs from the forward pass, step-major (`[time, batch, ·]`).
    #[derive(Clone, Debug)]
    struct Saved {
        /// The state before each step: `[time, batch, H]`.
        h_prev: Vec<f32>,
        /// The gates r, z, n after their activations: `[time, batch, 3H]`.
        gates: Vec<f32>,
        /// `h_{t-1} W_hn + b_hn`: `[time, batch, H]`.
        hn: Vec<f32>,
    }

    impl Saved {
        fn new(d: Dims) -> Self {
            let steps = d.time * d.batch;
            Saved {
                h_prev: vec![0.0; steps * d.h],
                gates: vec![0.0; steps * 3 * d.h],
                hn: vec![0.0; steps * d.h],
            }
        }
    }

    fn is_f32(t: &FlexTensor) -> bool {
        t.dtype() == DType::F32
    }

    /// The elements of an f32 tensor in row-major order (copied only when not contiguous).
    fn f32s(t: &FlexTensor) -> std::borrow::Cow<'_, [f32]> {
        match t.as_slice::<f32>() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => {
                std::borrow::Cow::Owned(t.to_contiguous().as_slice::<f32>().unwrap_or(&[]).to_vec())
            }
        }
    }

    fn tensor<const D: usize>(data: Vec<f32>, shape: [usize; D]) -> FlexTensor {
        FlexTensor::from_data(TensorData::new(data, shape))
    }

    fn forward_primitive(xi: &FlexTensor, w: &FlexTensor, b: &FlexTensor) -> FlexTensor {
        let d = Dims::of(xi);
        let h = forward(d, &f32s(xi), &f32s(w), &f32s(b), None);
        tensor(h, [d.batch, d.time, d.h])
    }

    /// `e^x` for `x` in [−87, 88] (clamped outside) within ~2 ulp: Cephes' `expf` polynomial
    /// without branches or library calls, so that loops over it vectorise.
    #[inline(always)]
    fn exp(x: f32) -> f32 {
        // e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln 2 / 2.
        const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer
        let x = x.clamp(-87.0, 88.0);
        let n = (x * std::f32::consts::LOG2_E + ROUND) - ROUND;
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4; // ln 2 split in two parts
        let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2)
            * r
            + 1.666_666_5e-1)
            * r
            + 5.000_000_1e-1;
        let e_r = p * r * r + r + 1.0;
        e_r * f32::from_bits(((n as i32 + 127) as u32) << 23)
    }

    #[inline(always)]
    fn sigmoid(x: f32) -> f32 {
        1.0 / (1.0 + exp(-x))
    }

    /// `tanh x = 2 σ(2x) − 1` (absolute error ~1e-7).
    #[inline(always)]
    fn tanh(x: f32) -> f32 {
        2.0 * sigmoid(2.0 * x) - 1.0
    }

    /// `out[i, :] += Σ_k a[i, k] · b[k, :]` for `a: [m, k]`, `b: [k, n]`, `out: [m, n]`.
    fn matmul_acc(a: &[f32], b: &[f32], out: &mut [f32], k: usize, n: usize) {
        for (a_row, out_row) in a.chunks_exact(k).zip(out.chunks_exact_mut(n)) {
            for (&a_ik, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
                for (o, &b_kj) in out_row.iter_mut().zip(b_row) {
                    *o += a_ik * b_kj;
                }
            }
        }
    }

    /// The forward recurrence; returns the states `[batch, time, H]` and fills `saved`.
    fn forward(
        d: Dims,
        xi: &[f32],
        w_hh: &[f32],
        b_hh: &[f32],
        mut saved: Option<&mut Saved>,
    ) -> Vec<f32> {
        let Dims { batch, time, h } = d;
        let g = 3 * h;
        let mut out = vec![0.0f32; batch * time * h]; // [batch, time, H]
        let mut state = vec![0.0f32; batch * h]; // [batch, H]
        let mut gh = vec![0.0f32; batch * g]; // [batch, 3H]
        let mut gates = vec![0.0f32; g]; // r, z, n of one sequence: [3H]
        for t in 0..time {
            // gh = h W_hh + b_hh
            for row in gh.chunks_exact_mut(g) {
                row.copy_from_slice(b_hh);
            }
            matmul_acc(&state, w_hh, &mut gh, h, g);
            if let Some(s) = saved.as_deref_mut() {
                s.h_prev[t * batch * h..(t + 1) * batch * h].copy_from_slice(&state);
            }
            for b in 0..batch {
                let x = &xi[(b * time + t) * g..(b * time + t + 1) * g];
                let ghb = &gh[b * g..(b + 1) * g];
                let hb = &mut state[b * h..(b + 1) * h];
                // gates = [r, z, n], each pass a plain loop over contiguous slices.
                let (rz, n) = gates.split_at_mut(2 * h);
                for ((o, &xv), &gv) in rz.iter_mut().zip(&x[..2 * h]).zip(&ghb[..2 * h]) {
                    *o = sigmoid(xv + gv);
                }
                let (r, z) = rz.split_at(h);
                for (((o, &xv), &rv), &hn) in
                    n.iter_mut().zip(&x[2 * h..]).zip(r).zip(&ghb[2 * h..])
                {
                    *o = tanh(xv + rv * hn);
                }
                for ((hv, &zv), &nv) in hb.iter_mut().zip(z).zip(&*n) {
                    *hv = nv + zv * (*hv - nv);
                }
                out[(b * time + t) * h..(b * time + t + 1) * h].copy_from_slice(hb);
                if let Some(s) = saved.as_deref_mut() {
                    let step = t * batch + b;
                    s.gates[step * g..(step + 1) * g].copy_from_slice(&gates);
                    s.hn[step * h..(step + 1) * h].copy_from_slice(&ghb[2 * h..]);
                }
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        /// The branch-free `exp`, `sigmoid` and `tanh` against the standard library's.
        #[test]
        fn activations_match_std() {
            for i in -200_000..=200_000 {
                let x = i as f32 * 4.35e-4; // [-87, 87]
                let rel = (super::exp(x) - x.exp()).abs() / x.exp();
                assert!(rel < 5e-7, "exp({x}): relative error {rel}");
                let s = 1.0 / (1.0 + (-x).exp());
                assert!((super::sigmoid(x) - s).abs() < 2e-7, "sigmoid({x})");
                assert!((super::tanh(x) - x.tanh()).abs() < 3e-7, "tanh({x})");
            }
        }
    }

    /// The backward pass of [`super::recurrence`] as one autodiff operation.
    #[derive(Debug)]
    struct GruBackward;

    impl Backward<Flex, 3> for GruBackward {
        /// Sizes, `w_hh` and the saved activations.
        type State = (Dims, FlexTensor, Saved);

        fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
            let [node_xi, node_w, node_b] = ops.parents;
            let d_out = grads.consume::<Flex>(&ops.node); // [batch, time, H]
            let (d, w_hh, saved) = ops.state;
            let Dims { batch, time, h } = d;
            let g = 3 * h;
            let d_out = f32s(&d_out);
            // W_hhᵀ: [3H, H], so that dh += dgh W_hhᵀ is a row-wise accumulation.
            let w_t = f32s(&Flex::float_transpose(w_hh).to_contiguous()).into_owned();
            let mut d_xi = vec![0.0f32; batch * time * g]; // [batch, time, 3H]
            let mut d_gh = vec![0.0f32; time * batch * g]; // [time, batch, 3H]
            let mut dh = vec![0.0f32; batch * h]; // dL/dh_t: [batch, H]
            let mut dh_prev = vec![0.0f32; batch * h];
            for t in (0..time).rev() {
                for b in 0..batch {
                    let step = t * batch + b;
                    let gates = &saved.gates[step * g..(step + 1) * g];
                    let hn = &saved.hn[step * h..(step + 1) * h];
                    let hp = &saved.h_prev[step * h..(step + 1) * h];
                    let dx = &mut d_xi[(b * time + t) * g..(b * time + t + 1) * g];
                    let dgh = &mut d_gh[step * g..(step + 1) * g];
                    let dout = &d_out[(b * time + t) * h..(b * time + t + 1) * h];
                    for j in 0..h {
                        let (r, z, n) = (gates[j], gates[h + j], gates[2 * h + j]);
                        let dhj = dh[b * h + j] + dout[j];
                        // h_t = n + z (h_{t-1} − n)
                        let dn = dhj * (1.0 - z) * (1.0 - n * n); // through tanh
                        let dz = dhj * (hp[j] - n) * z * (1.0 - z); // through σ
                        let dr = dn * hn[j] * r * (1.0 - r); // through σ
                        dx[j] = dr;
                        dx[h + j] = dz;
                        dx[2 * h + j] = dn;
                        dgh[j] = dr;
                        dgh[h + j] = dz;
                        dgh[2 * h + j] = dn * r;
                        dh_prev[b * h + j] = dhj * z;
                    }
                }
                // dh_{t-1} = dh_t ⊙ z + dgh W_hhᵀ
                matmul_acc(
                    &d_gh[t * batch * g..(t + 1) * batch * g],
                    &w_t,
                    &mut dh_prev,
                    g,
                    h,
                );
                std::mem::swap(&mut dh, &mut dh_prev);
            }
            if let Some(node) = node_xi {
                grads.register::<Flex>(node.id, tensor(d_xi, [batch, time, g]));
            }
            if let Some(node) = node_b {
                let mut db = vec![0.0f32; g];
                for row in d_gh.chunks_exact(g) {
                    for (a, &v) in db.iter_mut().zip(row) {
                        *a += v;
                    }
                }
                grads.register::<Flex>(node.id, tensor(db, [g]));
            }
            if let Some(node) = node_w {
                // dW_hh = Σ_t h_{t-1}ᵀ dgh_t = H_prevᵀ [H, time·batch] · dGh [time·batch, 3H]
                let h_prev = tensor(saved.h_prev, [time * batch, h]);
                let d_gh = tensor(d_gh, [time * batch, g]);
                let dw = Flex::float_matmul(Flex::float_transpose(h_prev), d_gh);
                grads.register::<Flex>(node.id, dw);
            }
        }
    }
}

/// A bidirectional [`FusedGru`]: one GRU reads forward, one backward; outputs concatenated.
#[derive(Module, Debug)]
pub struct FusedBiGru {
    /// The forward-in-time GRU.
    pub forward: FusedGru,
    /// The backward-in-time GRU.
    pub reverse: FusedGru,
}

impl FusedBiGru {
    /// Builds both directions from one config (`d_hidden` units each).
    pub fn new(config: &FusedGruConfig, device: &Device) -> Self {
        Self {
            forward: config.init(device),
            reverse: config.init(device),
        }
    }

    /// - `input`: `[batch, time, d_input]`
    /// - returns: `[batch, time, 2·d_hidden]` (forward units first).
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        let fwd = self.forward.forward(input.clone()); // [batch, time, H]
        let bwd = self.reverse.forward(input.flip([1])).flip([1]); // [batch, time, H]
        Tensor::cat(vec![fwd, bwd], 2) // [batch, time, 2H]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Distribution, Tolerance};

    fn close(a: Tensor<3>, b: Tensor<3>) {
        a.into_data()
            .assert_approx_eq::<f32>(&b.into_data(), Tolerance::absolute(1e-5));
    }

    /// The Flex kernel (forward and hand-written backward) against the tensor-op recurrence
    /// that burn differentiates itself.
    #[test]
    fn kernel_matches_tensor_ops_forward_and_gradients() {
        let device = Device::flex().autodiff();
        device.seed(7);
        let (batch, time, h) = (3, 9, 5);
        let xi = Tensor::<3>::random(
            [batch, time, 3 * h],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let w = Tensor::<2>::random([h, 3 * h], Distribution::Normal(0.0, 0.5), &device);
        let b = Tensor::<1>::random([3 * h], Distribution::Normal(0.0, 0.5), &device);
        // A loss that weights every output differently.
        let weight = Tensor::<3>::random([batch, time, h], Distribution::Normal(0.0, 1.0), &device);
        let grads_of = |f: fn(Tensor<3>, Tensor<2>, Tensor<1>) -> Tensor<3>| {
            let (xi, w, b) = (
                xi.clone().require_grad(),
                w.clone().require_grad(),
                b.clone().require_grad(),
            );
            let out = f(xi.clone(), w.clone(), b.clone());
            let grads = out.clone().mul(weight.clone()).sum().backward();
            (
                out.inner(),
                xi.grad(&grads).expect("xi grad"),
                w.grad(&grads).expect("w grad").unsqueeze::<3>(),
                b.grad(&grads).expect("b grad").unsqueeze::<3>(),
            )
        };
        // Both devices take the kernel path.
        assert!(kernel::recurrence_flex(&xi, &w, &b).is_some());
        assert!(
            kernel::recurrence_flex(&xi.clone().inner(), &w.clone().inner(), &b.clone().inner())
                .is_some()
        );
        let ours = grads_of(recurrence);
        let reference = grads_of(recurrence_ops);
        close(ours.0, reference.0);
        close(ours.1, reference.1);
        close(ours.2, reference.2);
        close(ours.3, reference.3);
        // Inference (no autodiff) runs the kernel too.
        let plain = recurrence(xi.clone().inner(), w.clone().inner(), b.clone().inner());
        close(plain, recurrence_ops(xi.inner(), w.inner(), b.inner()));
    }
}
