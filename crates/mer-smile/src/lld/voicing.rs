//! NOT YET IMPLEMENTED (work in progress): the six voicing LLDs (F0 by sub-harmonic
//! summation, voicing probability, jitter, shimmer, HNR) are output as zeros for now.
use crate::frame::Framing;
pub struct Voicing {
    n: usize,
}
impl Voicing {
    pub fn new(_fr: &Framing, _w: Vec<f32>) -> Self {
        Self { n: 0 }
    }
    pub fn push_frame(&mut self, _x: &[f32]) {
        self.n += 1;
    }
    pub fn finish(self, _s: &[f32]) -> Vec<Vec<f32>> {
        vec![vec![0.0; self.n]; 6]
    }
}
