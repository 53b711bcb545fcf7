using BenchmarkDotNet.Attributes;
using Obscura.Governance.Ledger;

namespace Obscura.Benchmarks;

/// <summary>
/// Audit-ledger append throughput and proof generation on a ledger of <see cref="Size"/> entries in SQLite with
/// <c>synchronous=FULL</c> (every commit is durable). Per-entry times: divide 1 s by the mean for entries/s.
/// </summary>
[MemoryDiagnoser]
public class LedgerBenchmarks
{
    private LedgerFixture _fixture = null!;
    private long _next;
    private Random _random = null!;
    private long _oldSize;

    [Params(1_000_000)]
    public long Size { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _fixture = await LedgerFixture.OpenCopyAsync(Size);
        _next = Size;
        _random = new Random(42);
        _oldSize = Size / 3;
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    /// <summary>One event per transaction: entry, subtree hashes and a freshly signed head, committed durably.</summary>
    [Benchmark(Description = "append 1 entry / commit")]
    public Task<SignedTreeHead> AppendOne()
    {
        var e = LedgerFixture.Event(_next++);
        return _fixture.Store.WriteAsync((s, ct) => _fixture.Ledger.AppendAsync(s, [e], ct), CancellationToken.None);
    }

    /// <summary>1,000 events per transaction (one signed head); reported per entry.</summary>
    [Benchmark(Description = "append 1000 entries / commit (per entry)", OperationsPerInvoke = 1000)]
    public Task<SignedTreeHead> AppendBatch()
    {
        var events = new AuditEvent[1000];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = LedgerFixture.Event(_next++);
        }

        return _fixture.Store.WriteAsync((s, ct) => _fixture.Ledger.AppendAsync(s, events, ct), CancellationToken.None);
    }

    [Benchmark(Description = "inclusion proof")]
    public async Task<InclusionProof> InclusionProof() =>
        (await _fixture.Service.GetInclusionProofAsync(_random.NextInt64(Size), Size, CancellationToken.None)).Value!;

    [Benchmark(Description = "consistency proof")]
    public async Task<ConsistencyProof> ConsistencyProof() =>
        (await _fixture.Service.GetConsistencyProofAsync(_oldSize + _random.NextInt64(1000), Size, CancellationToken.None)).Value!;
}
