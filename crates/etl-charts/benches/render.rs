//! Drawing each chart from the fixtures, PNG encoding included:
//! `cargo bench -p etl-charts`. The target is under 50 ms a chart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    for (name, chart) in fixtures::all() {
        group.bench_function(name, |b| b.iter(|| black_box(&chart).render().unwrap()));
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
