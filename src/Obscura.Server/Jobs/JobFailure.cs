namespace Obscura.Server.Jobs;

/// <summary>A job refused or failed for a reason whose message is safe to show (it names no secret and no path).</summary>
internal sealed class JobFailure(string message) : Exception(message);
