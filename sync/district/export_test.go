package district

// BenchDistrict is the benchmark district (work_bench_test.go), for the
// benchmarks of the pages served over it (console_bench_test.go).
var BenchDistrict = benchDistrict

// BenchNow is the benchmark district's present.
var BenchNow = benchNow
