using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Text.RegularExpressions;

namespace Obscura.Vault.Internal;

/// <summary>
/// The catalogue in a PostgreSQL database shared with the governance store, in tables of its own (<c>vault_*</c>).
/// Every write runs at READ COMMITTED and first takes a transaction-scoped advisory lock of the vault's own
/// (<see cref="WriterLockKey"/>), so writers of every process run one at a time, as SQLite's <c>BEGIN IMMEDIATE</c>
/// makes them, and each sees every earlier writer's commit. The lock is released by COMMIT or ROLLBACK, or by the
/// server when a crashed process's connection drops. The data source belongs to the caller and is not disposed here.
/// </summary>
internal sealed partial class PostgresCatalogBackend(DbDataSource source, string location) : CatalogBackend
{
    /// <summary>Advisory-lock key of the catalogue's single writer ("obscuraV"), distinct from the governance store's.</summary>
    public const long WriterLockKey = 0x6F62_7363_7572_6156;

    /// <summary>The catalogue's tables; in PostgreSQL each is named with the <c>vault_</c> prefix.</summary>
    public static readonly IReadOnlyList<string> Tables = ["objects", "data_keys", "retired_keys", "policies", "selections", "exports", "export_members", "deletions", "outbox"];

    private readonly ConcurrentDictionary<string, string> _translated = new(StringComparer.Ordinal);

    public override string Location => location;

    public override string ReplaceSelectionSql =>
        "INSERT INTO vault_selections VALUES ($p, $v, $t, $e, $o, $s) ON CONFLICT (purpose, version) DO UPDATE SET selected_at = EXCLUDED.selected_at, "
        + "eligible = EXCLUDED.eligible, object_ids = EXCLUDED.object_ids, subjects = EXCLUDED.subjects";

    public override DbConnection Connect() => source.OpenConnection();

    public override DbTransaction BeginWrite(DbConnection connection)
    {
        // READ COMMITTED: each statement after the lock sees the commit of the writer the lock waited for.
        var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pg_advisory_xact_lock(" + WriterLockKey.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
        command.ExecuteNonQuery();
        return transaction;
    }

    public override string Translate(string sql) => _translated.GetOrAdd(sql, static s =>
    {
        var ignore = s.StartsWith("INSERT OR IGNORE INTO ", StringComparison.Ordinal);
        if (ignore)
        {
            s = "INSERT INTO " + s["INSERT OR IGNORE INTO ".Length..];
        }

        s = JsonEach().Replace(s, "json_array_elements_text(CAST($1 AS json))");
        s = TableName().Replace(s, "vault_$1");
        s = Parameter().Replace(s, "@$1");
        return ignore ? s + " ON CONFLICT DO NOTHING" : s;
    });

    public override string ParameterName(string name) => name.TrimStart('$');

    public override void Dispose()
    {
    }

    [GeneratedRegex(@"json_each\((\$\w+)\)")]
    private static partial Regex JsonEach();

    [GeneratedRegex(@"(?<![\w.])(objects|data_keys|retired_keys|policies|selections|exports|export_members|deletions|outbox)\b")]
    private static partial Regex TableName();

    [GeneratedRegex(@"\$([A-Za-z_]\w*)")]
    private static partial Regex Parameter();
}
