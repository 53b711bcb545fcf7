namespace Obscura.ModelPrivacy.Serving;

/// <summary>An alert the query monitor raised (once per model, key and kind) and recorded in the audit ledger.</summary>
/// <param name="Sequence">Its number in the registry.</param>
/// <param name="Model">The model queried.</param>
/// <param name="Caller">The API key (<c>apikey:NAME</c>) or local actor whose queries raised it.</param>
/// <param name="Kind">What is suspected.</param>
/// <param name="Statistic">The evidence (see <see cref="QueryFinding.Statistic"/>).</param>
/// <param name="Queries">Queries the statistic was computed over.</param>
/// <param name="RaisedAt">When.</param>
public sealed record ModelAlert(long Sequence, string Model, string Caller, AlertKind Kind, double Statistic, int Queries, DateTimeOffset RaisedAt);
