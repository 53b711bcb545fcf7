namespace Obscura.Cli;

/// <summary>Process exit codes, stable for scripts.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The command line itself was wrong (unknown option, missing argument).</summary>
    public const int Usage = 1;

    /// <summary>The operation was refused: invalid input, not found, conflict, not applicable, prohibited; or a processing decision was a denial.</summary>
    public const int Refused = 2;

    /// <summary>Ledger verification found problems.</summary>
    public const int LedgerNotIntact = 3;

    /// <summary>The server could not be reached, or refused the API key.</summary>
    public const int ServerUnavailable = 4;

    /// <summary><c>faces onboard</c>: the subject already has a live enrolment; replacing it needs <c>--re-enrol</c> (a controller's decision).</summary>
    public const int AlreadyEnrolled = 5;

    /// <summary>A photo (<c>--image</c>) is not a decodable image or cannot be read.</summary>
    public const int ImageUnreadable = 10;

    /// <summary>A photo is above the size or pixel limit.</summary>
    public const int ImageTooLarge = 11;

    /// <summary>No face was found in the photo.</summary>
    public const int NoFace = 12;

    /// <summary>More than one face was found (give <c>--largest-face</c> to take the largest).</summary>
    public const int SeveralFaces = 13;

    /// <summary>The face is too small (too few pixels between the eyes).</summary>
    public const int FaceTooSmall = 14;

    /// <summary>The detector's score for the face is below the minimum.</summary>
    public const int LowFaceScore = 15;

    /// <summary>A face model is missing or does not match its pinned SHA-256 (run <c>obscura models fetch</c>).</summary>
    public const int ModelsUnavailable = 16;

    /// <summary><c>store edge run --mjpeg</c>: the camera stream failed too many times in a row (unreachable, not MJPEG, broken parts).</summary>
    public const int CameraUnavailable = 17;

    /// <summary>
    /// A purpose's accountability documents (assessments, consultation, processor reviews, visitors' objections) do not
    /// match the audit ledger: a row was changed, deleted or inserted outside Obscura, so none is shown or used
    /// (HTTP: 422 with problem type <c>urn:obscura:problem:document-not-committed</c>).
    /// </summary>
    public const int DocumentNotCommitted = 18;

    /// <summary>
    /// <c>store notice</c> / <c>store report</c>: the purpose's governance is incomplete (no passed legitimate-interests
    /// assessment, no DPIA, a high residual risk without an answered prior consultation or with a refusal, a processor
    /// not reviewed or with open checklist items, or for the notice no notice particulars); the message lists what.
    /// </summary>
    public const int GovernanceIncomplete = 19;
}
