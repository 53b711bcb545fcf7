namespace Obscura.ModelPrivacy.Learning;

/// <summary>
/// Binary logistic regression with an L2 penalty (the intercept, input 0, unpenalised), fitted by Newton's method
/// (iteratively reweighted least squares) with a Cholesky solve: deterministic, and exact to the tolerance for the
/// small designs of tabular minimisation (tens of inputs).
/// </summary>
public sealed class LogisticRegression
{
    private LogisticRegression(double[] weights) => Weights = weights;

    /// <summary>The fitted weights, intercept first.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Fits the model to inputs <paramref name="x"/> (each row starting with 1) and labels 0/1.</summary>
    /// <exception cref="ArgumentException">The shapes disagree, there are no rows, or a label is not 0 or 1.</exception>
    public static LogisticRegression Fit(double[][] x, ReadOnlySpan<int> y, double penalty = 1.0, int maxIterations = 50, double tolerance = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length == 0 || x.Length != y.Length)
        {
            throw new ArgumentException("One label per row, and at least one row.", nameof(x));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(penalty);
        var d = x[0].Length;
        var w = new double[d];
        var gradient = new double[d];
        var hessian = new double[d * d];
        var step = new double[d];
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            Array.Clear(gradient);
            Array.Clear(hessian);
            for (var i = 0; i < x.Length; i++)
            {
                var row = x[i];
                if (y[i] is not (0 or 1))
                {
                    throw new ArgumentException("Labels are 0 or 1.", nameof(y));
                }

                var p = Sigmoid(Dot(w, row));
                var residual = p - y[i];
                var weight = Math.Max(p * (1 - p), 1e-10);
                for (var a = 0; a < d; a++)
                {
                    var ra = row[a];
                    if (ra == 0)
                    {
                        continue;
                    }

                    gradient[a] += residual * ra;
                    var wa = weight * ra;
                    var line = a * d;
                    for (var b = a; b < d; b++)
                    {
                        hessian[line + b] += wa * row[b];
                    }
                }
            }

            for (var a = 1; a < d; a++)
            {
                gradient[a] += penalty * w[a];
                hessian[(a * d) + a] += penalty;
            }

            hessian[0] += 1e-9;
            for (var a = 0; a < d; a++)
            {
                for (var b = 0; b < a; b++)
                {
                    hessian[(a * d) + b] = hessian[(b * d) + a];
                }
            }

            SolveCholesky(hessian, gradient, step, d);
            var change = 0.0;
            for (var a = 0; a < d; a++)
            {
                w[a] -= step[a];
                change = Math.Max(change, Math.Abs(step[a]));
            }

            if (change < tolerance)
            {
                break;
            }
        }

        return new LogisticRegression(w);
    }

    /// <summary>The probability of label 1 for one row of inputs.</summary>
    public double Probability(ReadOnlySpan<double> row) => Sigmoid(Dot(Weights as double[] ?? [.. Weights], row));

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Solves H·s = g for a symmetric positive-definite H (row-major, destroyed).</summary>
    private static void SolveCholesky(double[] h, double[] g, double[] s, int d)
    {
        for (var j = 0; j < d; j++)
        {
            var sum = h[(j * d) + j];
            for (var k = 0; k < j; k++)
            {
                sum -= h[(j * d) + k] * h[(j * d) + k];
            }

            var diagonal = Math.Sqrt(Math.Max(sum, 1e-12));
            h[(j * d) + j] = diagonal;
            for (var i = j + 1; i < d; i++)
            {
                var v = h[(i * d) + j];
                for (var k = 0; k < j; k++)
                {
                    v -= h[(i * d) + k] * h[(j * d) + k];
                }

                h[(i * d) + j] = v / diagonal;
            }
        }

        for (var i = 0; i < d; i++)
        {
            var v = g[i];
            for (var k = 0; k < i; k++)
            {
                v -= h[(i * d) + k] * s[k];
            }

            s[i] = v / h[(i * d) + i];
        }

        for (var i = d - 1; i >= 0; i--)
        {
            var v = s[i];
            for (var k = i + 1; k < d; k++)
            {
                v -= h[(k * d) + i] * s[k];
            }

            s[i] = v / h[(i * d) + i];
        }
    }
}
