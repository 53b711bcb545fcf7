using System.CommandLine;
using System.Text.Json;
using Obscura.Governance.Ledger;
using Obscura.Storage;
using Obscura.Storage.Postgres;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura migrate --to postgres://…</c>: moves the data folder's SQLite governance database (records, access log
/// and ledger) and the vault's catalogue (<c>vault/vault.db</c>, when there is one) into an empty PostgreSQL database,
/// then proves the move: the target's latest signed head is the
/// source's (same tree size and root hash) and the whole ledger verifies there under the folder's signing key.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var to = new Option<string>("--to") { Description = "The empty PostgreSQL database to move to: postgres://user:password@host:port/database (or ?host=/socket/folder).", Required = true };
        var command = new Command("migrate", "Move the data folder's SQLite database (records and ledger) into an empty PostgreSQL database and prove the ledger's heads unchanged (exit 3 if not). The signing key stays in the data folder; start the server with --database afterwards. If a move was interrupted, run the same command again: it finishes the move (or reports it complete).") { to };
        command.SetAction(async (r, ct) =>
        {
            var uri = r.GetValue(to)!;
            if (!string.IsNullOrWhiteSpace(r.GetValue(CliOptions.Database)))
            {
                await stderr.WriteLineAsync("migrate moves the data folder's SQLite file to the database named by --to; --database does not apply to it.");
                return ExitCodes.Usage;
            }

            if (!PostgresUri.IsPostgres(uri))
            {
                await stderr.WriteLineAsync("--to must be a postgres:// or postgresql:// URI.");
                return ExitCodes.Usage;
            }

            try
            {
                // The source is always the folder's own SQLite file, whatever Obscura__Database says; a file that an
                // interrupted migrate already marked is opened too, so that running migrate again finishes the move.
                using var folder = DataFolder.OpenForMigration(r.GetValue(CliOptions.Data)!);
                using var target = PostgresGovernanceStore.Open(uri);
                var copy = await DatabaseCopy.CopyAsync(folder.Store, target, ct);
                var (rows, before) = (copy.Rows, copy.SourceHead);
                var after = await DatabaseCopy.LatestHeadAsync(target, ct);
                var verification = await new LedgerService(target, new AuditLedger(folder.SigningKey, TimeProvider.System)).VerifyAsync(folder.SigningKey.VerificationKey, before, null, ct);
                // The vault's catalogue follows the governance database (its blobs and keys stay in the folder).
                var vault = Obscura.Vault.TrainingDataVault.MoveCatalogToPostgres(Path.Combine(folder.Path, "vault"), target.DataSource, target.Location);
                var identical = before?.TreeSize == after?.TreeSize && (before is null || before.RootHash.AsSpan().SequenceEqual(after!.RootHash));
                await stdout.WriteLineAsync(JsonSerializer.Serialize(
                    new
                    {
                        from = folder.Store.Location,
                        to = target.Location,
                        rows,
                        resumed = copy.Resumed,
                        alreadyComplete = copy.AlreadyComplete,
                        sourceHead = Head(before),
                        targetHead = Head(after),
                        headsIdentical = identical,
                        targetLedgerIntact = verification.Intact,
                        problems = verification.Problems.Select(p => p.Kind.ToString()),
                        vaultRows = vault?.Rows,
                        vaultAlreadyComplete = vault?.AlreadyComplete,
                    },
                    CliJson.Indented));
                return identical && verification.Intact ? ExitCodes.Success : ExitCodes.LedgerNotIntact;
            }
            catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or ArgumentException or System.Data.Common.DbException)
            {
                await stderr.WriteLineAsync(ex.Message);
                return ExitCodes.Refused;
            }
        });
        return command;
    }

    private static object? Head(SignedTreeHead? head) =>
        head is null ? null : new { head.TreeSize, rootHash = Convert.ToBase64String(head.RootHash), signedAt = head.Timestamp };
}
