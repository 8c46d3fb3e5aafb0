import Benchmark

/// The cost of the loop and of the protected call alone; every other benchmark is read against it.
func registerBaselineBenchmarks() {
    Benchmark("Baseline: direct call of a non-inlined function") { benchmark in
        for iteration in benchmark.scaledIterations {
            blackHole(trivialOperation(iteration))
        }
    }
}
