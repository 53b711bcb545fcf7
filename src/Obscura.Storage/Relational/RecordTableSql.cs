using System.Data.Common;
using Obscura.Governance.Ledger;

namespace Obscura.Storage.Relational;

/// <summary>
/// How each committed table (<see cref="RecordTables"/>) is read for its content hash: every column, in a fixed
/// order, by key. <c>Record_tables_hash_every_column</c> checks each list against the schema of each backend, so a column
/// added by a migration cannot be left out of the hash.
/// </summary>
internal sealed class RecordTableSql
{
    /// <summary>One committed table: the columns hashed, the SQL that yields a row's key, and how to find and page rows by key.</summary>
    /// <param name="Name">The table.</param>
    /// <param name="Columns">Every column, in the order hashed.</param>
    /// <param name="Key">SQL expression of the row's key.</param>
    /// <param name="ByKey">Predicate matching the row whose key is <c>@k</c>.</param>
    /// <param name="AfterKey">Predicate matching rows after the row whose key is <c>@k</c>, in <paramref name="OrderBy"/> order.</param>
    /// <param name="OrderBy">The paging order.</param>
    /// <param name="HashedWhenSet">
    /// Columns a later migration added, hashed only when not NULL: a row written before the migration (NULL there) keeps
    /// the hash the ledger committed, and a row that sets the column has it hashed (clearing it changes the hash).
    /// </param>
    internal sealed record Table(string Name, string[] Columns, string Key, string ByKey, string AfterKey, string OrderBy, string[]? HashedWhenSet = null)
    {
        public string Select => $"SELECT {Key} AS row_key, {string.Join(", ", Columns)} FROM {Name}";
    }

    /// <summary>The tables as SQLite reads them.</summary>
    public static RecordTableSql Sqlite { get; } = new(
        "(substr(@k, 1, instr(@k, ':') - 1), substr(@k, instr(@k, ':') + 1))",
        "CAST(@k AS INTEGER)");

    /// <summary>
    /// The tables as PostgreSQL reads them: <c>split_part</c> for the budget key, and a key that is not a number
    /// matches nothing instead of failing the cast.
    /// </summary>
    public static RecordTableSql Postgres { get; } = new(
        "(split_part(@k, ':', 1), substr(@k, strpos(@k, ':') + 1))",
        "(CASE WHEN @k ~ '^[0-9]{1,18}$' THEN CAST(@k AS BIGINT) END)");

    private readonly Dictionary<string, Table> _byName;

    /// <param name="budgetKey">SQL of the (dataset, purpose) row value that the budget key <c>@k</c> names.</param>
    /// <param name="sequenceKey">SQL of the sequence number that the key <c>@k</c> names.</param>
    private RecordTableSql(string budgetKey, string sequenceKey)
    {
        _byName = new Table[]
        {
            ById(RecordTables.Subjects, "id", "registered_at"),
            ById(RecordTables.Purposes, "id", "definition", "registered_at"),
            ById(RecordTables.ConsentEvents, "seq", "id", "subject", "purpose", "kind", "at", "notice_version", "explicit", "channel", "actor"),
            ById(RecordTables.ObjectionEvents, "seq", "id", "subject", "purpose", "kind", "at", "actor"),
            ById(RecordTables.Assessments, "seq", "id", "from_purpose", "to_purpose", "draft", "assessed_at"),
            ById(RecordTables.PurposeDocuments, "seq", "id", "purpose", "kind", "body", "recorded_at", "actor"),
            ById(RecordTables.ApiKeys, "id", "name", "role", "subject", "secret_hash", "created_at", "revoked_at"),
            new(RecordTables.PrivacyBudgets, ["dataset", "purpose", "epsilon", "delta", "created_at"], "dataset || ':' || purpose", $"(dataset, purpose) = {budgetKey}", $"(dataset, purpose) > {budgetKey}", "dataset, purpose"),
            BySequence(RecordTables.PrivacyCharges, sequenceKey, ["seq", "dataset", "purpose", "concentrated", "numerator", "denominator", "query", "charged_at", "mechanism"], ["mechanism"]),
            BySequence(RecordTables.AccessLog, sequenceKey, ["seq", "recorded_at", "actor", "action", "category", "subject", "purpose", "from_location", "to_location", "reference"]),
        }.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Every committed table, the access log included.</summary>
    public IReadOnlyCollection<Table> All => _byName.Values;

    /// <summary>The definition of <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not a committed table.</exception>
    public Table Get(string name) =>
        _byName.TryGetValue(name, out var table) ? table : throw new ArgumentException($"'{name}' is not a committed table.", nameof(name));

    /// <summary>The content hash of the row <paramref name="reader"/> is on, read with <see cref="Table.Select"/> (key first, then the columns).</summary>
    public static byte[] Hash(Table table, DbDataReader reader)
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

    private static Table ById(string name, params string[] columns) => new(name, columns, "id", "id = @k", "id > @k", "id");

    private static Table BySequence(string name, string sequenceKey, string[] columns, string[]? hashedWhenSet = null) =>
        new(name, columns, "CAST(seq AS TEXT)", $"seq = {sequenceKey} AND CAST(seq AS TEXT) = @k", $"seq > {sequenceKey}", "seq", hashedWhenSet);
}
