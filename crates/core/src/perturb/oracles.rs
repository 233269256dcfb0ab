//! Built-in linear-maximization oracles y*(θ) = argmax_{y ∈ C} ⟨y, θ⟩, and
//! their minimization twins. Ties are broken by the lowest index, so results
//! are deterministic (perturbed inputs tie with probability zero anyway).

use crate::math::order_key;
use crate::Status;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Which polytope the oracle optimizes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Oracle {
    /// Vertices of the simplex: the one-hot of the largest entry.
    Argmax,
    /// Indicator of the k largest entries.
    TopK(usize),
    /// Permutations of (1, …, n): the ascending ranks (largest θ gets n).
    Ranking,
    /// A path from the top-left to the bottom-right cell of a rows×cols grid
    /// of vertex costs, 8-neighbourhood: the indicator of its cells. Its
    /// natural sense is minimization (shortest path).
    ShortestPath { rows: usize, cols: usize },
}

/// Reusable scratch for the oracles.
#[derive(Default)]
pub struct OracleScratch {
    keys: Vec<(u64, u32)>,
    dist: Vec<f64>,
    prev: Vec<u32>,
    done: Vec<bool>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl OracleScratch {
    pub fn reserve(&mut self, n: usize) -> Result<(), Status> {
        let oom = |_| Status::OutOfMemory;
        if self.keys.len() < n {
            self.keys.try_reserve(n - self.keys.len()).map_err(oom)?;
            self.keys.resize(n, (0, 0));
            self.dist.try_reserve(n.saturating_sub(self.dist.len())).map_err(oom)?;
            self.dist.resize(n, 0.0);
            self.prev.try_reserve(n.saturating_sub(self.prev.len())).map_err(oom)?;
            self.prev.resize(n, 0);
            self.done.try_reserve(n.saturating_sub(self.done.len())).map_err(oom)?;
            self.done.resize(n, false);
        }
        // Dijkstra pushes at most 8 entries per settled cell.
        let want = 8 * n + 1;
        if self.heap.capacity() < want {
            self.heap.try_reserve(want - self.heap.len()).map_err(oom)?;
        }
        Ok(())
    }
}

impl Oracle {
    /// Checks the oracle's parameters against the vector length n.
    pub fn check(self, n: usize) -> Result<(), Status> {
        match self {
            Self::TopK(k) if k > n => Err(Status::Domain),
            Self::ShortestPath { rows, cols } if rows.checked_mul(cols) != Some(n) || n == 0 => Err(Status::Shape),
            _ => Ok(()),
        }
    }

    /// Writes y*(θ) (maximize) or argmin_y ⟨y, θ⟩ (minimize) into `y`.
    /// For the shortest path, negative costs are clamped to 0 (Dijkstra needs
    /// non-negative costs; see the perturb module docs).
    pub fn solve(self, theta: &[f64], maximize: bool, y: &mut [f64], sc: &mut OracleScratch) {
        let n = theta.len();
        // Sorting by "best first": for maximize larger θ is better.
        let key = |v: f64| if maximize { order_key(v) } else { !order_key(v) };
        match self {
            Self::Argmax => {
                y.fill(0.0);
                if n > 0 {
                    y[first_best(theta, maximize)] = 1.0;
                }
            }
            Self::TopK(k) => {
                y.fill(0.0);
                if k == 0 {
                    return;
                }
                let keys = &mut sc.keys[..n];
                for (i, kv) in keys.iter_mut().enumerate() {
                    // best first, then lowest index: ascending order of
                    // (!key, index) is a total order.
                    *kv = (!key(theta[i]), i as u32);
                }
                if k < n {
                    keys.select_nth_unstable(k - 1);
                }
                for &(_, i) in &keys[..k] {
                    y[i as usize] = 1.0;
                }
            }
            Self::Ranking => {
                let keys = &mut sc.keys[..n];
                for (i, kv) in keys.iter_mut().enumerate() {
                    *kv = (!key(theta[i]), i as u32);
                }
                keys.sort_unstable();
                // The best entry gets the largest value n (maximizes ⟨y, θ⟩).
                for (pos, &(_, i)) in keys.iter().enumerate() {
                    y[i as usize] = (n - pos) as f64;
                }
            }
            Self::ShortestPath { rows, cols } => {
                // Minimization is the natural sense; maximize is refused by
                // the caller's validation.
                shortest_path(theta, rows, cols, y, sc);
            }
        }
    }
}

/// Dijkstra over cells with vertex costs (both endpoints included), 8
/// neighbours. Deterministic: the heap orders by (distance bits, index).
fn shortest_path(cost: &[f64], rows: usize, cols: usize, y: &mut [f64], sc: &mut OracleScratch) {
    let n = rows * cols;
    let c = |i: usize| cost[i].max(0.0);
    let (dist, prev, done, heap) = (&mut sc.dist[..n], &mut sc.prev[..n], &mut sc.done[..n], &mut sc.heap);
    dist.fill(f64::INFINITY);
    done.fill(false);
    heap.clear();
    dist[0] = c(0);
    prev[0] = 0;
    // Distances are ≥ 0, so their bit patterns order like the values.
    heap.push(Reverse((dist[0].to_bits(), 0)));
    let target = n - 1;
    while let Some(Reverse((_, u))) = heap.pop() {
        let u = u as usize;
        if done[u] {
            continue;
        }
        done[u] = true;
        if u == target {
            break;
        }
        let (r, col) = (u / cols, u % cols);
        for dr in [-1i64, 0, 1] {
            for dc in [-1i64, 0, 1] {
                if dr == 0 && dc == 0 {
                    continue;
                }
                let (nr, nc) = (r as i64 + dr, col as i64 + dc);
                if nr < 0 || nc < 0 || nr >= rows as i64 || nc >= cols as i64 {
                    continue;
                }
                let v = nr as usize * cols + nc as usize;
                if done[v] {
                    continue;
                }
                let alt = dist[u] + c(v);
                if alt < dist[v] {
                    dist[v] = alt;
                    prev[v] = u as u32;
                    heap.push(Reverse((alt.to_bits(), v as u32)));
                }
            }
        }
    }
    y.fill(0.0);
    let mut v = target;
    loop {
        y[v] = 1.0;
        if v == 0 {
            break;
        }
        v = prev[v] as usize;
    }
}

/// The first index of the largest (`maximize`) or smallest entry of a
/// non-empty, NaN-free slice — what a strict `>` / `<` scan keeps — found in
/// two passes: the extreme value with four independent accumulators (no
/// loop-carried dependency on a reloaded θ[best]), then its first
/// occurrence. Comparisons only, so the index is exactly the scan's (±0
/// compare equal in both).
fn first_best(theta: &[f64], maximize: bool) -> usize {
    let pick = |a: f64, b: f64| if (maximize && b > a) || (!maximize && b < a) { b } else { a };
    let mut acc = [theta[0]; 4];
    let chunks = theta.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for l in 0..4 {
            acc[l] = pick(acc[l], c[l]);
        }
    }
    let mut best = pick(pick(acc[0], acc[1]), pick(acc[2], acc[3]));
    for &v in tail {
        best = pick(best, v);
    }
    theta.iter().position(|&v| v == best).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(o: Oracle, theta: &[f64], maximize: bool) -> Vec<f64> {
        let mut sc = OracleScratch::default();
        sc.reserve(theta.len()).unwrap();
        let mut y = vec![0.0; theta.len()];
        o.solve(theta, maximize, &mut y, &mut sc);
        y
    }

    #[test]
    fn first_best_is_the_strict_scan() {
        let scan = |t: &[f64], maximize: bool| {
            let mut best = 0;
            for i in 1..t.len() {
                if (maximize && t[i] > t[best]) || (!maximize && t[i] < t[best]) {
                    best = i;
                }
            }
            best
        };
        let mut s = 0x9e37_79b9u64;
        for len in 1..40 {
            for _ in 0..50 {
                // few distinct values, so ties (and ±0) are common
                let t: Vec<f64> = (0..len)
                    .map(|_| {
                        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        [-1.0, -0.0, 0.0, 0.5, 2.0, 2.0][(s >> 33) as usize % 6]
                    })
                    .collect();
                for maximize in [true, false] {
                    assert_eq!(first_best(&t, maximize), scan(&t, maximize), "{t:?} {maximize}");
                }
            }
        }
    }

    #[test]
    fn argmax_topk_ranking() {
        let t = [0.5, 2.0, -1.0, 2.0, 0.0];
        assert_eq!(solve(Oracle::Argmax, &t, true), vec![0.0, 1.0, 0.0, 0.0, 0.0]); // tie → lowest index
        assert_eq!(solve(Oracle::Argmax, &t, false), vec![0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!(solve(Oracle::TopK(3), &t, true), vec![1.0, 1.0, 0.0, 1.0, 0.0]);
        assert_eq!(solve(Oracle::TopK(2), &t, false), vec![0.0, 0.0, 1.0, 0.0, 1.0]);
        assert_eq!(solve(Oracle::Ranking, &t, true), vec![3.0, 5.0, 1.0, 4.0, 2.0]);
        assert_eq!(solve(Oracle::Ranking, &t, false), vec![3.0, 2.0, 5.0, 1.0, 4.0]);
    }

    #[test]
    fn shortest_path_on_a_grid() {
        // 3×3 grid, a wall of high cost in the middle column except the bottom.
        #[rustfmt::skip]
        let cost = [1.0, 9.0, 1.0,
                    1.0, 9.0, 1.0,
                    1.0, 1.0, 1.0];
        let y = solve(Oracle::ShortestPath { rows: 3, cols: 3 }, &cost, false);
        assert_eq!(y, vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0]);
        // Brute-force check on random 3×4 grids: the path cost is minimal
        // among all monotone-or-not simple paths found by exhaustive DFS.
        let mut s = 7u64;
        for _ in 0..50 {
            let cost: Vec<f64> = (0..12)
                .map(|_| {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((s >> 33) % 100) as f64 / 10.0
                })
                .collect();
            let y = solve(Oracle::ShortestPath { rows: 3, cols: 4 }, &cost, false);
            let got: f64 = y.iter().zip(&cost).map(|(a, b)| a * b).sum();
            let mut best = f64::INFINITY;
            let mut seen = [false; 12];
            fn dfs(u: usize, acc: f64, cost: &[f64], seen: &mut [bool; 12], best: &mut f64) {
                if u == 11 {
                    *best = best.min(acc);
                    return;
                }
                let (r, c) = ((u / 4) as i64, (u % 4) as i64);
                for dr in -1..=1 {
                    for dc in -1..=1 {
                        let (nr, nc) = (r + dr, c + dc);
                        if (dr, dc) == (0, 0) || nr < 0 || nc < 0 || nr >= 3 || nc >= 4 {
                            continue;
                        }
                        let v = (nr * 4 + nc) as usize;
                        if !seen[v] {
                            seen[v] = true;
                            dfs(v, acc + cost[v], cost, seen, best);
                            seen[v] = false;
                        }
                    }
                }
            }
            seen[0] = true;
            dfs(0, cost[0], &cost, &mut seen, &mut best);
            assert!((got - best).abs() < 1e-12, "{got} vs {best}");
        }
    }
}
