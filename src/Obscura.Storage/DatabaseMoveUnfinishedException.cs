namespace Obscura.Storage;

/// <summary>
/// The database named with <c>--database</c> is the target of an <c>obscura migrate</c> that did not finish: the data
/// folder's SQLite file is marked moved to it, but it does not hold the file's rows yet. Serving it would write into the
/// empty target, after which the move could no longer be finished and the file's records would be left behind.
/// </summary>
public sealed class DatabaseMoveUnfinishedException : InvalidOperationException
{
    /// <summary>Creates the exception for a move from <paramref name="path"/> to <paramref name="target"/> (a location without a password).</summary>
    public DatabaseMoveUnfinishedException(string path, string target)
        : base($"The move of {path} to {target} by `obscura migrate` did not finish: that database does not hold the file's records yet. Run `obscura migrate --to` naming it again to finish the move before anything uses it.")
    {
    }
}
