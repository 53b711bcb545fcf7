using Obscura.Governance.Purposes;

namespace Obscura.Governance.Storage;

/// <summary>
/// One accountability document of a purpose as stored: its kind, its JSON body (validated before it is stored) and who
/// recorded it when. Documents are append-only; the latest of a kind for a purpose is in force.
/// </summary>
/// <param name="Id">Opaque document id.</param>
/// <param name="Kind">What the body is (see <see cref="Accountability.DocumentKinds"/>).</param>
/// <param name="Purpose">The purpose the document belongs to.</param>
/// <param name="Body">The document, as JSON.</param>
/// <param name="RecordedAt">When it was recorded (millisecond precision).</param>
/// <param name="Actor">Which authenticated principal recorded it.</param>
public sealed record StoredDocument(string Id, string Kind, PurposeId Purpose, string Body, DateTimeOffset RecordedAt, string Actor);
