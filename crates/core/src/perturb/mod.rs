//! Differentiable perturbed optimizers (Berthet, Blondel, Teboul, Cuturi,
//! Vert & Bach, NeurIPS 2020).
//!
//! A discrete solver y*(θ) = argmax_{y ∈ C} ⟨y, θ⟩ becomes differentiable in
//! expectation over a random perturbation: y_ε(θ) = E[y*(θ + εZ)]. Its
//! Jacobian needs no derivative of the solver (a score-function identity), and
//! F_ε(θ) = E[max ⟨y, θ + εZ⟩] gives the perturbed Fenchel-Young loss.
//!
//! Modules: [`rng`] (Philox counter-based noise with a documented stream
//! layout), [`oracles`] (argmax, top-k, ranking, grid shortest path),
//! [`estimator`] (forward, Jacobian products, loss; built-in or external
//! samples).
//!
//! The shortest-path oracle needs non-negative vertex costs: additive noise
//! can make a cost negative, which the oracle clamps to 0 (Dijkstra's
//! requirement). Prefer the multiplicative perturbation for costs — it keeps
//! them positive, as in the paper's shortest-path experiments.

pub mod estimator;
pub mod oracles;
pub mod rng;

pub use estimator::{backward, forward, fy_loss, points, Config, ForwardOut, Source, Tape, TapeRef, Work};
pub use oracles::Oracle;
pub use rng::Noise;

#[cfg(test)]
mod tests;
