//! A GRU whose gates are fused: one matmul for the input projection of all gates over all
//! time steps at once, then one matmul per step for the hidden projection of all gates.
//!
//! burn's stock `Gru` computes three gates with six matmuls per step (and writes each step into
//! the output with `slice_assign`); with small hidden sizes, as in Malik et al. 2017, the per-op
//! overhead dominates. This module computes the same function as PyTorch's `nn.GRU`
//! (`reset_after`, gate order r, z, n) with ~3× fewer ops per step.
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
        let h_dim = self.d_hidden;
        let device = input.device();
        // Input projection of every gate at every step at once.
        let xi = input
            .reshape([batch * time, d_input])
            .matmul(self.w_ih.val())
            .add(self.b_ih.val().unsqueeze::<2>()) // [batch·time, 3H]
            .reshape([batch, time, 3 * h_dim]); // [batch, time, 3H]
        let w_hh = self.w_hh.val(); // [H, 3H]
        let b_hh = self.b_hh.val().unsqueeze::<2>(); // [1, 3H]
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
