//! The 1-D convolutional network shared by the qCNN and the cCNN.
//!
//! A stack of convolution blocks (convolution, optional batch normalisation, ReLU), each
//! shortening the spectrum by its stride, then fully connected layers with dropout before
//! each, then a linear head. Padding keeps `ceil(length / stride)` points per block.

use crate::error::{CnnError, Result};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::Tensor;

/// Network shape. The defaults give a small network (about 0.3 million weights for 512
/// input points) that runs at more than 10,000 spectra per second on two CPU cores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Architecture {
    /// Output channels of each convolution block. Default `[16, 32, 32, 64]`.
    pub conv_channels: Vec<usize>,
    /// Kernel size of each block, odd. Default `[9, 7, 5, 3]`.
    pub kernel_sizes: Vec<usize>,
    /// Stride of each block. Default `[2, 2, 2, 2]`.
    pub strides: Vec<usize>,
    /// Batch normalisation after each convolution. Default true.
    pub batch_norm: bool,
    /// Units of each hidden fully connected layer. Default `[128]`.
    pub dense_units: Vec<usize>,
    /// Dropout probability before each fully connected layer (the head included); it is also
    /// the rate of Monte Carlo dropout at inference. Default 0.1.
    pub dropout: f64,
}

impl Default for Architecture {
    fn default() -> Self {
        Architecture {
            conv_channels: vec![16, 32, 32, 64],
            kernel_sizes: vec![9, 7, 5, 3],
            strides: vec![2, 2, 2, 2],
            batch_norm: true,
            dense_units: vec![128],
            dropout: 0.1,
        }
    }
}

/// Maximum number of convolution blocks or dense layers.
const MAX_LAYERS: usize = 32;
/// Maximum number of channels or units of one layer.
const MAX_WIDTH: usize = 4096;

impl Architecture {
    /// Checks the lists and ranges.
    ///
    /// # Errors
    /// [`CnnError::InvalidConfig`] naming the field.
    pub fn validate(&self) -> Result<()> {
        let n = self.conv_channels.len();
        if n == 0 || n > MAX_LAYERS {
            return Err(CnnError::config(
                "architecture.conv_channels",
                format!("{:?}", self.conv_channels),
                format!("needs 1 to {MAX_LAYERS} blocks"),
            ));
        }
        for (field, list) in [
            ("architecture.kernel_sizes", &self.kernel_sizes),
            ("architecture.strides", &self.strides),
        ] {
            if list.len() != n {
                return Err(CnnError::config(
                    field,
                    format!("{list:?}"),
                    format!("needs one entry per convolution block ({n})"),
                ));
            }
        }
        if self.dense_units.len() > MAX_LAYERS {
            return Err(CnnError::config(
                "architecture.dense_units",
                format!("{:?}", self.dense_units),
                format!("at most {MAX_LAYERS} layers"),
            ));
        }
        let widths = self.conv_channels.iter().chain(&self.dense_units);
        if let Some(w) = widths.clone().find(|&&w| w == 0 || w > MAX_WIDTH) {
            return Err(CnnError::config(
                "architecture channels/units",
                w,
                format!("must lie in 1..={MAX_WIDTH}"),
            ));
        }
        if let Some(k) = self.kernel_sizes.iter().find(|&&k| k % 2 == 0 || k > 255) {
            return Err(CnnError::config(
                "architecture.kernel_sizes",
                k,
                "must be odd and at most 255",
            ));
        }
        if let Some(s) = self.strides.iter().find(|&&s| s == 0 || s > 16) {
            return Err(CnnError::config(
                "architecture.strides",
                s,
                "must lie in 1..=16",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(CnnError::config(
                "architecture.dropout",
                self.dropout,
                "must lie in [0, 1)",
            ));
        }
        Ok(())
    }

    /// Points left after the convolution blocks for `n_points` input points.
    pub fn output_points(&self, n_points: usize) -> usize {
        self.strides
            .iter()
            .fold(n_points, |length, &stride| length.div_ceil(stride))
    }
}

/// Treatment of dropout and batch normalisation in a forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Training: dropout active, batch statistics used and running statistics updated.
    Train,
    /// Inference: no dropout, running statistics.
    Eval,
    /// Monte Carlo dropout: dropout active, running statistics (batch normalisation stays in
    /// inference mode so that samples differ only by their dropout masks).
    McDropout,
}

/// One network: convolution blocks, dense layers, head.
#[derive(Debug)]
pub(crate) struct Network {
    convs: Vec<(nn::Conv1D, Option<nn::BatchNorm>)>,
    dense: Vec<nn::Linear>,
    head: nn::Linear,
    dropout: f64,
}

impl Network {
    /// Creates the variables under `path` for inputs of `channels` x `n_points`.
    pub(crate) fn new(
        path: &nn::Path<'_>,
        arch: &Architecture,
        channels: usize,
        n_points: usize,
        n_outputs: usize,
    ) -> Network {
        let mut convs = Vec::with_capacity(arch.conv_channels.len());
        let mut in_channels = channels as i64;
        for (i, ((&out, &k), &s)) in arch
            .conv_channels
            .iter()
            .zip(&arch.kernel_sizes)
            .zip(&arch.strides)
            .enumerate()
        {
            let config = nn::ConvConfig {
                stride: s as i64,
                padding: (k / 2) as i64,
                bias: !arch.batch_norm,
                ..Default::default()
            };
            let conv = nn::conv1d(
                path / format!("conv{i}"),
                in_channels,
                out as i64,
                k as i64,
                config,
            );
            let bn = arch
                .batch_norm
                .then(|| nn::batch_norm1d(path / format!("bn{i}"), out as i64, Default::default()));
            convs.push((conv, bn));
            in_channels = out as i64;
        }
        let mut features = in_channels * arch.output_points(n_points) as i64;
        let mut dense = Vec::with_capacity(arch.dense_units.len());
        for (i, &units) in arch.dense_units.iter().enumerate() {
            dense.push(nn::linear(
                path / format!("dense{i}"),
                features,
                units as i64,
                Default::default(),
            ));
            features = units as i64;
        }
        let head = nn::linear(
            path / "head",
            features,
            n_outputs as i64,
            Default::default(),
        );
        Network {
            convs,
            dense,
            head,
            dropout: arch.dropout,
        }
    }

    /// Forward pass of a `[batch, channels, points]` input to `[batch, outputs]`.
    pub(crate) fn forward(&self, x: &Tensor, mode: Mode) -> Tensor {
        let bn_train = mode == Mode::Train;
        let dropout_on = mode != Mode::Eval && self.dropout > 0.0;
        let mut h = x.shallow_clone();
        for (conv, bn) in &self.convs {
            h = conv.forward(&h);
            if let Some(bn) = bn {
                h = nn::ModuleT::forward_t(bn, &h, bn_train);
            }
            h = h.relu();
        }
        h = h.flatten(1, -1);
        for layer in &self.dense {
            h = h.dropout(self.dropout, dropout_on);
            h = layer.forward(&h).relu();
        }
        h = h.dropout(self.dropout, dropout_on);
        self.head.forward(&h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_architecture_is_valid_and_shapes_agree() {
        let arch = Architecture::default();
        arch.validate().unwrap();
        assert_eq!(arch.output_points(512), 32);
        assert_eq!(arch.output_points(513), 33);
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let net = Network::new(&vs.root(), &arch, 2, 513, 20);
        let x = Tensor::zeros([3, 2, 513], (tch::Kind::Float, tch::Device::Cpu));
        let y = net.forward(&x, Mode::Eval);
        assert_eq!(y.size(), [3, 20]);
    }

    #[test]
    fn invalid_architectures_are_rejected() {
        let bad = [
            Architecture {
                kernel_sizes: vec![9, 7, 5],
                ..Default::default()
            },
            Architecture {
                kernel_sizes: vec![8, 7, 5, 3],
                ..Default::default()
            },
            Architecture {
                strides: vec![0, 2, 2, 2],
                ..Default::default()
            },
            Architecture {
                dropout: 1.0,
                ..Default::default()
            },
            Architecture {
                conv_channels: vec![],
                kernel_sizes: vec![],
                strides: vec![],
                ..Default::default()
            },
            Architecture {
                dense_units: vec![0],
                ..Default::default()
            },
        ];
        for arch in bad {
            assert!(
                matches!(arch.validate(), Err(CnnError::InvalidConfig { .. })),
                "{arch:?}"
            );
        }
    }

    #[test]
    fn monte_carlo_dropout_varies_and_eval_does_not() {
        tch::manual_seed(3);
        let arch = Architecture {
            dropout: 0.3,
            ..Default::default()
        };
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let net = Network::new(&vs.root(), &arch, 1, 128, 4);
        let x = Tensor::randn([2, 1, 128], (tch::Kind::Float, tch::Device::Cpu));
        let eval_a = net.forward(&x, Mode::Eval);
        let eval_b = net.forward(&x, Mode::Eval);
        assert!(eval_a.equal(&eval_b));
        let mc_a = net.forward(&x, Mode::McDropout);
        let mc_b = net.forward(&x, Mode::McDropout);
        assert!(!mc_a.equal(&mc_b));
    }
}
