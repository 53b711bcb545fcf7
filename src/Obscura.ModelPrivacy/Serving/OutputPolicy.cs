using System.Globalization;

namespace Obscura.ModelPrivacy.Serving;

/// <summary>
/// What a prediction may reveal. <c>raw</c>: every class's probability. <c>label-only</c>: the predicted class alone.
/// Otherwise any of <c>top-k:K</c> (the K most probable classes), <c>rounded:D</c> (probabilities rounded to D
/// decimals) and <c>noisy:S</c> (Gaussian noise of standard deviation S added to each probability, then clamped to
/// [0, 1]), comma-separated, e.g. <c>top-k:3,rounded:1</c>. The label returned is always the model's own top class.
/// </summary>
/// <remarks>
/// Noise is drawn from a generator keyed by the model's secret noise key and the exact input, so asking the same
/// question again returns the same noisy answer and cannot be averaged away; a slightly changed input gets fresh
/// noise, which is why the query monitor counts near-duplicate queries.
/// </remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(OutputPolicyJsonConverter))]
public sealed record OutputPolicy
{
    /// <summary>Every probability, unchanged.</summary>
    public static OutputPolicy Raw { get; } = new();

    /// <summary>The predicted class only.</summary>
    public static OutputPolicy LabelOnly { get; } = new() { LabelsOnly = true };

    /// <summary>Whether no score is returned at all.</summary>
    public bool LabelsOnly { get; init; }

    /// <summary>How many of the most probable classes are returned (null: all).</summary>
    public int? TopK { get; init; }

    /// <summary>Decimals the probabilities are rounded to (null: not rounded).</summary>
    public int? Decimals { get; init; }

    /// <summary>Standard deviation of the Gaussian noise added to each probability (null: none).</summary>
    public double? NoiseScale { get; init; }

    /// <summary>Parses <c>raw</c>, <c>label-only</c> or a comma-separated list of <c>top-k:K</c>, <c>rounded:D</c>, <c>noisy:S</c>.</summary>
    /// <exception cref="FormatException">The text is not such a policy (the message lists the forms).</exception>
    public static OutputPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed == "raw")
        {
            return Raw;
        }

        if (trimmed == "label-only")
        {
            return LabelOnly;
        }

        var policy = new OutputPolicy();
        foreach (var part in trimmed.Split(',', StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? part : part[..colon];
            var value = colon < 0 ? "" : part[(colon + 1)..];
            policy = name switch
            {
                "top-k" when policy.TopK is null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k is >= 1 and <= 1000 => policy with { TopK = k },
                "rounded" when policy.Decimals is null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 6 => policy with { Decimals = d },
                "noisy" when policy.NoiseScale is null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 1 => policy with { NoiseScale = s },
                _ => throw new FormatException($"'{text}' is not an output policy: use 'raw', 'label-only', or any of 'top-k:K' (1-1000), 'rounded:D' (0-6 decimals) and 'noisy:S' (0 < S ≤ 1), comma-separated."),
            };
        }

        return policy;
    }

    /// <summary>The canonical text, which <see cref="Parse"/> reads back.</summary>
    public override string ToString()
    {
        if (LabelsOnly)
        {
            return "label-only";
        }

        var parts = new List<string>(3);
        if (TopK is { } k)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"top-k:{k}"));
        }

        if (Decimals is { } d)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"rounded:{d}"));
        }

        if (NoiseScale is { } s)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"noisy:{s:R}"));
        }

        return parts.Count == 0 ? "raw" : string.Join(',', parts);
    }
}
