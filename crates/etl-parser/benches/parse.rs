//! Parse throughput over the project's sample files (and the shared corpus
//! when it is beside the project): `cargo bench -p etl-parser`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use etl_parser::Round;

fn round_files(dir: &Path, into: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n != "broken" && n != "snapshots")
            {
                round_files(&path, into);
            }
        } else if path.to_string_lossy().ends_with(".txt") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            into.push((name, std::fs::read(&path).unwrap()));
        }
    }
}

fn parse_throughput(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    round_files(&root.join("testdata"), &mut files);
    round_files(&root.join("../shared/corpus"), &mut files);
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("{} files, bytes", files.len()), |b| {
        b.iter(|| {
            for (name, content) in &files {
                black_box(Round::parse_named(name, content).unwrap());
            }
        })
    });
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function(format!("{} files, files", files.len()), |b| {
        b.iter(|| {
            for (name, content) in &files {
                black_box(Round::parse_named(name, content).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, parse_throughput);
criterion_main!(benches);
