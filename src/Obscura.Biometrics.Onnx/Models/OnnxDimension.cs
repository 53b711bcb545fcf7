namespace Obscura.Biometrics.Onnx.Models;

/// <summary>One dimension of a graph input or output: a fixed size, or a named symbolic size such as the batch "N".</summary>
public readonly record struct OnnxDimension
{
    private OnnxDimension(long? value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The fixed size, or null for a symbolic dimension.</summary>
    public long? Value { get; }

    /// <summary>The symbol's name, or null for a fixed dimension.</summary>
    public string? Symbol { get; }

    /// <summary>A fixed size.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static OnnxDimension Fixed(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new OnnxDimension(value, null);
    }

    /// <summary>A symbolic size, resolved when the model runs (all dimensions with the same name are equal).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static OnnxDimension Symbolic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new OnnxDimension(null, name);
    }

    /// <summary>A fixed size.</summary>
    public static implicit operator OnnxDimension(long value) => Fixed(value);

    /// <summary>A symbolic size.</summary>
    public static implicit operator OnnxDimension(string name) => Symbolic(name);

    /// <inheritdoc />
    public override string ToString() => Symbol ?? Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
}
