//! Barycenters (filled in below).
