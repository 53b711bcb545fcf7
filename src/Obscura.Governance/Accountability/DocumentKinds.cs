namespace Obscura.Governance.Accountability;

/// <summary>
/// The kinds of accountability document a purpose holds (the <c>kind</c> column of <c>purpose_documents</c>). The names
/// are stored and hashed into the ledger's commitments and must never change.
/// </summary>
public static class DocumentKinds
{
    /// <summary>An objection of an anonymous visitor under Art. 21 (<see cref="VisitorObjection"/>).</summary>
    public const string VisitorObjection = "visitor-objection";
}
