namespace Obscura.Homomorphic.Ckks;

/// <summary>Serialised CKKS data is malformed, of another version or kind, or belongs to another parameter set. Messages never quote the data.</summary>
public sealed class CkksFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public CkksFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CkksFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CkksFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
