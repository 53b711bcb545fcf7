namespace Obscura.Server.Jobs;

/// <summary>What a job runs: the server counterpart of an <c>obscura</c> command.</summary>
public enum JobKind
{
    /// <summary><c>obscura minimise features</c>.</summary>
    Minimise,

    /// <summary><c>obscura train</c>.</summary>
    Train,

    /// <summary><c>obscura audit model</c> (of a training recipe).</summary>
    Audit,
}
