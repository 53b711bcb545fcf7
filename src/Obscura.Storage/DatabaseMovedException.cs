namespace Obscura.Storage;

/// <summary>
/// The data folder's SQLite governance database was moved to another database by <c>obscura migrate</c>: the file is
/// kept as it was at the move but no longer read or written, so that no write can land where nobody will look for it.
/// </summary>
public sealed class DatabaseMovedException : InvalidOperationException
{
    /// <summary>Creates the exception for the file at <paramref name="path"/>, moved to <paramref name="movedTo"/> (a location without a password) at <paramref name="movedAt"/>.</summary>
    public DatabaseMovedException(string path, string movedTo, string movedAt)
        : base($"The governance database {path} was moved to {movedTo} at {movedAt} by `obscura migrate`; it is no longer read or written. Start the server and the command line with --database (or Obscura__Database) naming that database.")
    {
        MovedTo = movedTo;
    }

    /// <summary>Where the records now live (a PostgreSQL URI without its password).</summary>
    public string MovedTo { get; }
}
