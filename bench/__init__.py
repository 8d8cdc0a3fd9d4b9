"""Benchmark tools for the reader path: data generator, settings and runner (see README.md)."""
