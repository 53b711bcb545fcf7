using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>
/// The accountability documents of a purpose, as stored, are not the documents the audit ledger committed: a row of
/// <c>purpose_documents</c> was changed, deleted or inserted outside Obscura. Thrown on every read of the documents
/// (the summary, the records of processing, the visitors' objections) instead of serving what may be forged. Not a
/// domain outcome but a broken store: <c>obscura ledger verify</c> names the row.
/// </summary>
public sealed class DocumentNotCommittedException : InvalidOperationException
{
    /// <summary>The RFC 9457 problem type that names this failure over HTTP; the CLI maps it to its own exit code.</summary>
    public const string ProblemType = "urn:obscura:problem:document-not-committed";

    /// <summary>Creates the exception for the documents of <paramref name="purpose"/>.</summary>
    public DocumentNotCommittedException(PurposeId purpose)
        : base($"The registration or accountability documents of purpose '{purpose}' do not match the audit ledger: a row was changed, deleted or inserted outside Obscura, so none is served. Run 'obscura ledger verify' to find it.")
    {
        Purpose = purpose;
    }

    /// <summary>The purpose whose documents do not match.</summary>
    public PurposeId Purpose { get; }
}
