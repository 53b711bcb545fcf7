namespace Obscura.Homomorphic.Bgv;

/// <summary>Serialised BGV data is malformed, of another version or kind, or belongs to another parameter set. Messages never quote the data.</summary>
public sealed class BgvFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public BgvFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BgvFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public BgvFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
