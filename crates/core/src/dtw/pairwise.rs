//! Pairwise matrices over sets of series (filled in below).

#[derive(Default)]
pub struct PairwiseScratch {}
