using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Obscura.Benchmarks;

// Usage: dotnet run -c Release --project bench/Obscura.Benchmarks -- [BenchmarkDotNet args, e.g. --filter *Ledger*]
// After the timings, prints the proof sizes measured on the same 10^6-entry ledger.
// `-- --iterations 15 --filter ...` measures 15 iterations instead of ShortRun's 3 (see below).
// `-- verification-load [--requests N] [--subjects N] [--clients 1,4,16]` drives the real HTTP server instead (VerificationLoad).
if (args.Length > 0 && args[0] == VerificationLoad.Command)
{
    return await VerificationLoad.RunAsync(args[1..]);
}

// `-- dp-sgd --data-dir DIR [--epochs N]` compares DP-SGD with plain SGD on Fashion-MNIST (DpSgdBench).
if (args.Length > 0 && args[0] == DpSgdBench.Command)
{
    return DpSgdBench.Run(args[1..]);
}

// `-- capture [--rounds N] [--photos DIR]` times the face capture pipeline on real photos (CaptureBench).
if (args.Length > 0 && args[0] == CaptureBench.Command)
{
    return await CaptureBench.RunAsync(args[1..]);
}

// `-- edge [--frames N] [--detector front|back]` times the store edge (frames/s per core, residence; EdgeBench).
if (args.Length > 0 && args[0] == EdgeBench.Command)
{
    return await EdgeBench.RunAsync(args[1..]);
}

// `-- gallery-cluster [--blocks N] [--queries N] [--dimension D]` times the 1:N gallery on 1, 2 and 3 in-process Orleans silos (GalleryClusterBench).
if (args.Length > 0 && args[0] == GalleryClusterBench.Command)
{
    return await GalleryClusterBench.RunAsync(args[1..]);
}

// `--iterations N` (N >= 1) replaces the default ShortRun job (3 iterations) by one of 5 warm-up and N measured
// iterations, for comparisons that need tighter error bars (bench/seal-compare passes 15).
var job = Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess");
var iterationsAt = Array.IndexOf(args, "--iterations");
if (iterationsAt >= 0)
{
    if (iterationsAt + 1 >= args.Length || !int.TryParse(args[iterationsAt + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
    {
        await Console.Error.WriteLineAsync("--iterations takes a whole number of at least 1.");
        return 2;
    }

    job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(iterations)
        .WithId(string.Create(CultureInfo.InvariantCulture, $"Iterations{iterations}-InProcess"));
    args = [.. args[..iterationsAt], .. args[(iterationsAt + 2)..]];
}

var config = DefaultConfig.Instance.AddJob(job);
var summaries = BenchmarkSwitcher.FromAssembly(typeof(LedgerBenchmarks).Assembly).Run(args, config);

if (summaries.Any(s => s.Title.Contains(nameof(LedgerBenchmarks), StringComparison.Ordinal)))
{
    using var fixture = await LedgerFixture.OpenCopyAsync(1_000_000);
    var inclusion = (await fixture.Service.GetInclusionProofAsync(123_456, 1_000_000, CancellationToken.None)).Value!;
    var consistency = (await fixture.Service.GetConsistencyProofAsync(330_000, 1_000_000, CancellationToken.None)).Value!;
    var oldHead = (await fixture.Store.ReadAsync((s, ct) => s.GetTreeHeadsAsync(330_000, 1, ct), CancellationToken.None))[0];
    var head = (await fixture.Service.GetLatestHeadAsync(CancellationToken.None))!;
    Console.WriteLine();
    Console.WriteLine("| Proof at 10^6 entries | hashes | bytes | verifies |");
    Console.WriteLine("| --- | --- | --- | --- |");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| inclusion (leaf 123,456) | {inclusion.Path.Count} | {inclusion.SizeInBytes} | {inclusion.Verify(head.RootHash)} |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| consistency (330,000 -> 1,000,000) | {consistency.Path.Count} | {consistency.SizeInBytes} | {consistency.Verify(oldHead.RootHash, head.RootHash)} |"));
    foreach (var report in summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null && r.BenchmarkCase.Descriptor.WorkloadMethod.Name.StartsWith("Append", StringComparison.Ordinal)))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo}: {1e9 / report.ResultStatistics!.Mean:N0} entries/s"));
    }

    // One timed pass of full verification: every leaf recomputed, every head's signature and root checked.
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var verification = await fixture.Service.VerifyAsync(null, null, CancellationToken.None);
    clock.Stop();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verify {verification.EntryCount:N0} entries, {verification.SignedHeadCount:N0} signed heads: {clock.Elapsed.TotalSeconds:F1} s ({verification.EntryCount / clock.Elapsed.TotalSeconds:N0} entries/s), intact={verification.Intact}"));
}

return 0;
