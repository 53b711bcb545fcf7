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
}
