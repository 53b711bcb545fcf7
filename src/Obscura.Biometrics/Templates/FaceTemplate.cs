namespace Obscura.Biometrics.Templates;

/// <summary>
/// A face embedding from any face-recognition model: a fixed-length vector of 128 to 512 finite floats, held
/// L2-normalised so that the inner product of two templates is their cosine similarity. Never printed.
/// </summary>
public sealed class FaceTemplate
{
    /// <summary>The smallest accepted dimension.</summary>
    public const int MinDimension = 128;

    /// <summary>The largest accepted dimension.</summary>
    public const int MaxDimension = 512;

    private readonly float[] _values;

    private FaceTemplate(float[] values) => _values = values;

    /// <summary>The dimension d.</summary>
    public int Dimension => _values.Length;

    /// <summary>The unit-length values.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Validates an embedding and scales it to unit length.</summary>
    /// <exception cref="ArgumentException">Dimension outside 128–512, a non-finite value, or the zero vector.</exception>
    public static FaceTemplate FromEmbedding(ReadOnlySpan<float> embedding)
    {
        if (embedding.Length is < MinDimension or > MaxDimension)
        {
            throw new ArgumentException($"A face template has {MinDimension} to {MaxDimension} values; this one has {embedding.Length}.", nameof(embedding));
        }

        var squared = 0.0;
        foreach (var v in embedding)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("A face template holds finite numbers only.", nameof(embedding));
            }

            squared += (double)v * v;
        }

        if (!(squared > 1e-12))
        {
            throw new ArgumentException("A face template cannot be the zero vector.", nameof(embedding));
        }

        var scale = 1 / Math.Sqrt(squared);
        var values = new float[embedding.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(embedding[i] * scale);
        }

        return new FaceTemplate(values);
    }

    /// <summary>Cosine similarity with another template of the same dimension, in [−1, 1].</summary>
    /// <exception cref="ArgumentException">The dimensions differ.</exception>
    public double Similarity(FaceTemplate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Dimension != Dimension)
        {
            throw new ArgumentException($"Templates of dimension {Dimension} and {other.Dimension} cannot be compared.", nameof(other));
        }

        var sum = 0.0;
        for (var i = 0; i < _values.Length; i++)
        {
            sum += (double)_values[i] * other._values[i];
        }

        return sum;
    }

    /// <inheritdoc/>
    public override string ToString() => $"FaceTemplate(d = {Dimension})";
}
