using System.Numerics.Tensors;

namespace Obscura.ModelPrivacy.Serving;

/// <summary>
/// Watches one key's queries to one model for three attacks on a prediction API:
/// <list type="bullet">
/// <item><b>extraction</b> (PRADA, Juuti et al. 2019): for each query, the L2 distance to the nearest earlier query the
/// model put in the same class; natural queries give roughly normally distributed distances, while the synthetic
/// queries of an extraction attack (small perturbations of a few seeds, mixed with jumps) do not. Once
/// <see cref="QueryMonitorOptions.MinQueries"/> distances are known, a Shapiro–Wilk W below
/// <see cref="QueryMonitorOptions.NormalityThreshold"/> flags the key;</item>
/// <item><b>membership probing</b>: near-duplicates of earlier queries (the same record asked about again, perturbed
/// to average noise away or to map the confidence around it);</item>
/// <item><b>boundary probing</b>: a large share of queries whose top two probabilities are within
/// <see cref="QueryMonitorOptions.BoundaryMargin"/> of each other.</item>
/// </list>
/// Queries are kept only as random projections (<see cref="QueryMonitorOptions.SketchDimensions"/> values, distances
/// preserved in expectation, the squared distance's relative standard deviation √(2/k) ≈ 9 % at k = 256), drawn from a per-model secret seed.
/// </summary>
public sealed class QueryMonitor
{
    private readonly float[]? _projection;
    private readonly double _nearDuplicateDistance;

    /// <summary>Creates the monitor for a model with <paramref name="inputs"/> inputs; <paramref name="projectionSeed"/> is secret.</summary>
    public QueryMonitor(int inputs, int projectionSeed, QueryMonitorOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        Inputs = inputs;
        _nearDuplicateDistance = options.NearDuplicateRms * Math.Sqrt(inputs);
        if (inputs > options.SketchDimensions)
        {
            // Achlioptas' ±1 projection scaled by 1/√k: E‖Rx‖² = ‖x‖².
            var random = new Random(projectionSeed);
            var scale = (float)(1 / Math.Sqrt(options.SketchDimensions));
            _projection = new float[options.SketchDimensions * inputs];
            for (var i = 0; i < _projection.Length; i++)
            {
                _projection[i] = random.Next(2) == 0 ? -scale : scale;
            }
        }
    }

    /// <summary>The thresholds.</summary>
    public QueryMonitorOptions Options { get; }

    /// <summary>The model's input size.</summary>
    public int Inputs { get; }

    /// <summary>The sketch kept of <paramref name="input"/>.</summary>
    public float[] Sketch(ReadOnlySpan<float> input)
    {
        if (input.Length != Inputs)
        {
            throw new ArgumentException($"The model takes {Inputs} inputs.", nameof(input));
        }

        if (_projection is null)
        {
            return input.ToArray();
        }

        var k = Options.SketchDimensions;
        var sketch = new float[k];
        for (var j = 0; j < k; j++)
        {
            sketch[j] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_projection, j * Inputs, Inputs), input);
        }

        return sketch;
    }

    /// <summary>The trace of a new query given the key's earlier traces (oldest first, at most a window).</summary>
    public QueryTrace Trace(IReadOnlyList<QueryTrace> history, ReadOnlySpan<float> input, ReadOnlySpan<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(history);
        var sketch = Sketch(input);
        int top = 0, second = -1;
        for (var c = 1; c < probabilities.Length; c++)
        {
            if (probabilities[c] > probabilities[top])
            {
                second = top;
                top = c;
            }
            else if (second < 0 || probabilities[c] > probabilities[second])
            {
                second = c;
            }
        }

        var margin = probabilities[top] - (second < 0 ? 0 : probabilities[second]);
        double? sameClass = null;
        var any = double.PositiveInfinity;
        foreach (var earlier in history)
        {
            var d = TensorPrimitives.Distance<float>(earlier.Sketch, sketch);
            any = Math.Min(any, d);
            if (earlier.Predicted == top && (sameClass is null || d < sameClass))
            {
                sameClass = d;
            }
        }

        return new QueryTrace(sketch, top, margin, sameClass, any <= _nearDuplicateDistance);
    }

    /// <summary>What the window of traces (oldest first, the newest included) gives grounds to suspect.</summary>
    public IReadOnlyList<QueryFinding> Examine(IReadOnlyList<QueryTrace> window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var findings = new List<QueryFinding>(3);
        var distances = window.Where(t => t.MinDistance is not null).Select(t => t.MinDistance!.Value).ToList();
        if (distances.Count >= Options.MinQueries)
        {
            var w = ShapiroWilk.W(distances.Count > 5000 ? distances[^5000..] : distances);
            if (w < Options.NormalityThreshold)
            {
                findings.Add(new QueryFinding(AlertKind.Extraction, w, distances.Count));
            }
        }

        var duplicates = window.Count(t => t.NearDuplicate);
        if (duplicates >= Options.NearDuplicateLimit)
        {
            findings.Add(new QueryFinding(AlertKind.MembershipProbing, duplicates, window.Count));
        }

        if (window.Count >= Options.MinQueries)
        {
            var share = window.Count(t => t.Margin < Options.BoundaryMargin) / (double)window.Count;
            if (share >= Options.BoundaryShare)
            {
                findings.Add(new QueryFinding(AlertKind.BoundaryProbing, share, window.Count));
            }
        }

        return findings;
    }
}
