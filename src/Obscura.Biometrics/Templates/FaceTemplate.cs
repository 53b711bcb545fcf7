using System.Diagnostics.CodeAnalysis;

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

    /// <summary>What a valid embedding is, for messages to callers who sent an invalid one.</summary>
    public static string EmbeddingRule => $"An embedding has {MinDimension} to {MaxDimension} finite numbers and is not all zero.";

    /// <summary>Validates an embedding and scales it to unit length.</summary>
    /// <exception cref="ArgumentException">Dimension outside 128–512, a non-finite value, or the zero vector.</exception>
    public static FaceTemplate FromEmbedding(ReadOnlySpan<float> embedding) =>
        TryFromEmbedding(embedding, out var template, out var problem) ? template : throw new ArgumentException(problem, nameof(embedding));

    /// <summary>Like <see cref="FromEmbedding"/>, but answers false for an invalid embedding instead of throwing.</summary>
    public static bool TryFromEmbedding(ReadOnlySpan<float> embedding, [NotNullWhen(true)] out FaceTemplate? template) =>
        TryFromEmbedding(embedding, out template, out _);

    private static bool TryFromEmbedding(ReadOnlySpan<float> embedding, [NotNullWhen(true)] out FaceTemplate? template, [NotNullWhen(false)] out string? problem)
    {
        template = null;
        problem = null;
        if (embedding.Length is < MinDimension or > MaxDimension)
        {
            problem = $"A face template has {MinDimension} to {MaxDimension} values; this one has {embedding.Length}.";
            return false;
        }

        var squared = 0.0;
        foreach (var v in embedding)
        {
            if (!float.IsFinite(v))
            {
                problem = "A face template holds finite numbers only.";
                return false;
            }

            squared += (double)v * v;
        }

        if (!(squared > 1e-12))
        {
            problem = "A face template cannot be the zero vector.";
            return false;
        }

        var scale = 1 / Math.Sqrt(squared);
        var values = new float[embedding.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(embedding[i] * scale);
        }

        template = new FaceTemplate(values);
        return true;
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
