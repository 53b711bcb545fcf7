namespace Obscura.Cli;

/// <summary>
/// One CLI operation, defined once for both back ends: <see cref="Local"/> runs the domain services over the data
/// folder; <see cref="Remote"/> builds the HTTP request for the same operation on a running server (null when the
/// operation only makes sense locally, such as creating API keys). <see cref="RemoteRun"/>, when set, replaces
/// <see cref="Remote"/> for operations that need several requests and checks of their own on the client.
/// <see cref="RemoteErrorCodes"/> gives an answer's status its own exit code where the local operation has one (the
/// default for a refusal is <see cref="ExitCodes.Refused"/>).
/// </summary>
internal sealed record Operation(
    Func<LocalServices, CancellationToken, Task<Reply>> Local,
    Func<HttpRequestMessage>? Remote,
    Func<HttpClient, CancellationToken, Task<Reply>>? RemoteRun = null,
    IReadOnlyDictionary<System.Net.HttpStatusCode, int>? RemoteErrorCodes = null);
