using Microsoft.Data.Sqlite;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Storage.Sqlite;

namespace Obscura.Benchmarks;

/// <summary>
/// A ledger of a given size in a real SQLite file. Building 10^6 entries takes a while, so a template is built once
/// per size under the temp folder and copied for each benchmark run.
/// </summary>
public sealed class LedgerFixture : IDisposable
{
    private static readonly DataCategory Category = DataCategory.Parse("face-image");
    private readonly string _dir;

    private LedgerFixture(string dir, SqliteGovernanceStore store, LedgerSigningKey key)
    {
        _dir = dir;
        Store = store;
        Key = key;
        Ledger = new AuditLedger(key, TimeProvider.System);
        Service = new LedgerService(store, Ledger);
    }

    public SqliteGovernanceStore Store { get; }

    public LedgerSigningKey Key { get; }

    public AuditLedger Ledger { get; }

    public LedgerService Service { get; }

    public static AuditEvent Event(long i) =>
        new("bench:writer", AuditAction.Read, Category, SubjectId.Parse($"sub-{i % 100_000}"), PurposeId.Parse("model-training"), "vault:images", "export:run-1", $"ref-{i}");

    public static async Task<LedgerFixture> OpenCopyAsync(long size)
    {
        var template = Path.Combine(Path.GetTempPath(), "obscura-bench", $"ledger-{size}");
        var db = Path.Combine(template, "obscura.db");
        var pem = Path.Combine(template, "key.pem");
        if (!File.Exists(pem))
        {
            await BuildTemplateAsync(template, size);
        }

        var work = Path.Combine(Path.GetTempPath(), "obscura-bench", "run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        File.Copy(db, Path.Combine(work, "obscura.db"));
        return new LedgerFixture(work, SqliteGovernanceStore.Open(Path.Combine(work, "obscura.db")), LedgerSigningKey.ImportPem(await File.ReadAllTextAsync(pem)));
    }

    public void Dispose()
    {
        Store.Dispose();
        Key.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task BuildTemplateAsync(string dir, long size)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        using var key = LedgerSigningKey.Generate();
        var ledger = new AuditLedger(key, TimeProvider.System);
        using (var store = SqliteGovernanceStore.Open(Path.Combine(dir, "obscura.db")))
        {
            const int batch = 10_000;
            for (long done = 0; done < size; done += batch)
            {
                var events = Enumerable.Range(0, (int)Math.Min(batch, size - done)).Select(i => Event(done + i)).ToList();
                await store.WriteAsync((s, ct) => ledger.AppendAsync(s, events, ct), CancellationToken.None);
                if ((done / batch) % 10 == 0)
                {
                    Console.Error.WriteLine($"building {size:N0}-entry ledger: {done:N0}");
                }
            }

            using var checkpoint = new SqliteConnection($"Data Source={Path.Combine(dir, "obscura.db")};Pooling=False");
            checkpoint.Open();
            using var cmd = checkpoint.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        await File.WriteAllTextAsync(Path.Combine(dir, "key.pem"), key.ExportPrivateKeyPem());
    }
}
