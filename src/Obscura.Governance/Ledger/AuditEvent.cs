using Obscura.Governance.Internal;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Ledger;

/// <summary>
/// Something that happened to personal data, as it is written to the audit ledger: who did what to which category of
/// whose data, for which purpose, from where to where. It never carries the data itself; every text field is a short
/// machine token (letters, digits and <c>._:/@-</c>, at most <see cref="MaxTokenLength"/> characters) so free text
/// cannot slip in.
/// </summary>
public sealed record AuditEvent
{
    /// <summary>Maximum length of each token field.</summary>
    public const int MaxTokenLength = 128;

    /// <summary>Creates an event, validating every field.</summary>
    /// <param name="actor">The authenticated principal that acted, for example <c>apikey:ops-1</c>.</param>
    /// <param name="action">What happened.</param>
    /// <param name="dataCategory">Which category of personal data.</param>
    /// <param name="subject">Whose data, when it concerns one subject.</param>
    /// <param name="purpose">For which purpose, when there is one.</param>
    /// <param name="from">Where the data came from (a location token such as <c>db:consents</c>), when relevant.</param>
    /// <param name="to">Where it went, when relevant.</param>
    /// <param name="reference">Opaque id of the record concerned, when relevant.</param>
    /// <param name="commitment">The stored row this event writes, and the hash of its content, when it writes one.</param>
    /// <exception cref="ArgumentException">A field is not a valid token.</exception>
    public AuditEvent(string actor, AuditAction action, DataCategory dataCategory, SubjectId? subject = null, PurposeId? purpose = null, string? from = null, string? to = null, string? reference = null, RecordCommitment? commitment = null)
    {
        if (!Token.IsIdentifier(actor, MaxTokenLength))
        {
            ThrowHelper.Argument(nameof(actor), "The actor is a token of letters, digits and ._:/@-.");
        }

        if (!Enum.IsDefined(action))
        {
            ThrowHelper.Argument(nameof(action), "Unknown audit action.");
        }

        if (dataCategory.Value is null)
        {
            ThrowHelper.Argument(nameof(dataCategory), "A data category is required.");
        }

        CheckOptional(from, nameof(from));
        CheckOptional(to, nameof(to));
        CheckOptional(reference, nameof(reference));
        Actor = actor;
        Action = action;
        DataCategory = dataCategory;
        Subject = subject;
        Purpose = purpose;
        From = from;
        To = to;
        Reference = reference;
        Commitment = commitment;
    }

    /// <summary>The principal that acted.</summary>
    public string Actor { get; }

    /// <summary>What happened.</summary>
    public AuditAction Action { get; }

    /// <summary>Which category of personal data.</summary>
    public DataCategory DataCategory { get; }

    /// <summary>Whose data, if one subject's.</summary>
    public SubjectId? Subject { get; }

    /// <summary>For which purpose.</summary>
    public PurposeId? Purpose { get; }

    /// <summary>Where the data came from.</summary>
    public string? From { get; }

    /// <summary>Where it went.</summary>
    public string? To { get; }

    /// <summary>Opaque id of the record concerned.</summary>
    public string? Reference { get; }

    /// <summary>The stored row this event wrote and the hash of its content, if it wrote one; covered by the leaf hash.</summary>
    public RecordCommitment? Commitment { get; }

    private static void CheckOptional(string? value, string name)
    {
        if (value is not null && !Token.IsIdentifier(value, MaxTokenLength))
        {
            ThrowHelper.Argument(name, $"'{name}' is a token of 1-{MaxTokenLength} letters, digits and ._:/@-.");
        }
    }
}
