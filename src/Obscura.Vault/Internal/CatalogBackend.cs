using System.Data.Common;

namespace Obscura.Vault.Internal;

/// <summary>
/// What differs between the databases the vault catalogue can live in: how a connection is opened, how a write
/// transaction becomes the only writer across every process, and the few SQL forms the two dialects spell
/// differently. <see cref="VaultCatalog"/> writes its statements once, in SQLite's spelling; a backend translates them.
/// </summary>
internal abstract class CatalogBackend : IDisposable
{
    /// <summary>Where the catalogue lives, for messages: the file's path or the PostgreSQL database (never a password).</summary>
    public abstract string Location { get; }

    /// <summary>The statement that replaces a selection row (purpose, version, selected at, eligible, object ids, subjects).</summary>
    public abstract string ReplaceSelectionSql { get; }

    /// <summary>An open connection, set up for the catalogue.</summary>
    public abstract DbConnection Connect();

    /// <summary>A transaction that holds the catalogue's single-writer lock from its first statement to its end.</summary>
    public abstract DbTransaction BeginWrite(DbConnection connection);

    /// <summary>The statement in this backend's dialect (<paramref name="sql"/> is in SQLite's).</summary>
    public abstract string Translate(string sql);

    /// <summary>The name a parameter written <c>$name</c> has in this backend's commands.</summary>
    public abstract string ParameterName(string name);

    /// <summary>Releases what the backend owns.</summary>
    public abstract void Dispose();
}
