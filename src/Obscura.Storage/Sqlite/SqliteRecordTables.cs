using Microsoft.Data.Sqlite;
using Obscura.Governance.Ledger;

namespace Obscura.Storage.Sqlite;

/// <summary>
/// How each committed table (<see cref="RecordTables"/>) is read for its content hash: every column, in a fixed
/// order, by key. <c>Sqlite_record_tables_hash_every_column</c> checks each list against the schema, so a column
/// added by a migration cannot be left out of the hash.
/// </summary>
internal static class SqliteRecordTables
{
    /// <summary>One committed table: the columns hashed, the SQL that yields a row's key, and how to find and page rows by key.</summary>
    /// <param name="Name">The table.</param>
    /// <param name="Columns">Every column, in the order hashed.</param>
    /// <param name="Key">SQL expression of the row's key.</param>
    /// <param name="ByKey">Predicate matching the row whose key is <c>$k</c>.</param>
    /// <param name="AfterKey">Predicate matching rows after the row whose key is <c>$k</c>, in <paramref name="OrderBy"/> order.</param>
    /// <param name="OrderBy">The paging order.</param>
    /// <param name="HashedWhenSet">
    /// Columns a later migration added, hashed only when not NULL: a row written before the migration (NULL there) keeps
    /// the hash the ledger committed, and a row that sets the column has it hashed (clearing it changes the hash).
    /// </param>
    internal sealed record Table(string Name, string[] Columns, string Key, string ByKey, string AfterKey, string OrderBy, string[]? HashedWhenSet = null)
    {
        public string Select => $"SELECT {Key}, {string.Join(", ", Columns)} FROM {Name}";
    }

    private const string BudgetKey = "(substr($k, 1, instr($k, ':') - 1), substr($k, instr($k, ':') + 1))";

    private static readonly Dictionary<string, Table> ByName = new Table[]
    {
        ById(RecordTables.Subjects, "id", "registered_at"),
        ById(RecordTables.Purposes, "id", "definition", "registered_at"),
        ById(RecordTables.ConsentEvents, "seq", "id", "subject", "purpose", "kind", "at", "notice_version", "explicit", "channel", "actor"),
        ById(RecordTables.ObjectionEvents, "seq", "id", "subject", "purpose", "kind", "at", "actor"),
        ById(RecordTables.Assessments, "seq", "id", "from_purpose", "to_purpose", "draft", "assessed_at"),
        ById(RecordTables.ApiKeys, "id", "name", "role", "subject", "secret_hash", "created_at", "revoked_at"),
        new(RecordTables.PrivacyBudgets, ["dataset", "purpose", "epsilon", "delta", "created_at"], "dataset || ':' || purpose", $"(dataset, purpose) = {BudgetKey}", $"(dataset, purpose) > {BudgetKey}", "dataset, purpose"),
        new(RecordTables.PrivacyCharges, ["seq", "dataset", "purpose", "concentrated", "numerator", "denominator", "query", "charged_at", "mechanism"], "CAST(seq AS TEXT)", "seq = CAST($k AS INTEGER) AND CAST(seq AS TEXT) = $k", "seq > CAST($k AS INTEGER)", "seq", ["mechanism"]),
        new(RecordTables.AccessLog, ["seq", "recorded_at", "actor", "action", "category", "subject", "purpose", "from_location", "to_location", "reference"], "CAST(seq AS TEXT)", "seq = CAST($k AS INTEGER) AND CAST(seq AS TEXT) = $k", "seq > CAST($k AS INTEGER)", "seq"),
    }.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>Every committed table, the access log included.</summary>
    public static IReadOnlyCollection<Table> All => ByName.Values;

    /// <summary>The definition of <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not a committed table.</exception>
    public static Table Get(string name) =>
        ByName.TryGetValue(name, out var table) ? table : throw new ArgumentException($"'{name}' is not a committed table.", nameof(name));

    /// <summary>The content hash of the row <paramref name="reader"/> is on, read with <see cref="Table.Select"/> (key first, then the columns).</summary>
    public static byte[] Hash(Table table, SqliteDataReader reader)
    {
        var columns = new List<KeyValuePair<string, object?>>(table.Columns.Length);
        for (var i = 0; i < table.Columns.Length; i++)
        {
            var value = reader.IsDBNull(i + 1) ? null : reader.GetValue(i + 1);
            if (value is null && table.HashedWhenSet is { } later && later.Contains(table.Columns[i], StringComparer.Ordinal))
            {
                continue;
            }

            columns.Add(new(table.Columns[i], value));
        }

        return RowDigest.Compute(table.Name, columns);
    }

    private static Table ById(string name, params string[] columns) => new(name, columns, "id", "id = $k", "id > $k", "id");
}
