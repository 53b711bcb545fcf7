namespace Obscura.Server.Endpoints;

/// <summary>The answer to a posted batch: its id and <c>accepted</c> (stored now) or <c>duplicate</c> (already held; nothing changed).</summary>
internal sealed record BatchReceipt(string BatchId, string Result);
