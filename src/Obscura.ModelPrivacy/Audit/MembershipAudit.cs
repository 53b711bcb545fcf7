using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Audit;

/// <summary>
/// A membership-inference audit of a training recipe on real records, with known membership:
/// <list type="bullet">
/// <item>a target model is trained on a random half of a pool, and K shadow models each on their own random half,
/// so every record is "in" for about half of the shadows;</item>
/// <item>each model's confidence on each record's true class is logit-scaled, φ = log(p_y / (1 − p_y));</item>
/// <item><b>LiRA online</b> (Carlini et al. 2022): the likelihood ratio of the target's φ under Gaussians fitted to the
/// in- and out-shadows' φ for that record (one variance per side, pooled over records, as the paper advises for few
/// shadows); <b>LiRA offline</b>: the target's φ standardised against the out-shadows only; <b>loss baseline</b>
/// (Yeom et al. 2018): the target's negative loss;</item>
/// <item>each score's ROC against the true membership: AUC and TPR at 0.1 % and 1 % FPR.</item>
/// </list>
/// </summary>
public static class MembershipAudit
{
    /// <summary>The δ at which the audit states a DP-SGD recipe's ε.</summary>
    public const double Delta = 1e-5;

    /// <summary>Runs the audit; <paramref name="progress"/> gets a line per model trained.</summary>
    /// <exception cref="ArgumentException">The data has fewer records than the pool.</exception>
    public static MembershipAuditResult Run(ImageDataset data, MembershipAuditOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        RunCore(data, options, null, progress, cancellationToken);

    /// <summary>
    /// Audits a given trained model (any <see cref="ILogitModel"/>, e.g. an <see cref="Onnx.OnnxClassifier"/>) with its
    /// training/holdout split: <paramref name="members"/> are the indices, among the pool (the first
    /// <see cref="MembershipAuditOptions.PoolSize"/> records), of the records it was trained on; the rest of the pool is
    /// its holdout. Only its logits are used. The shadows are trained by the options' recipe on random halves drawn
    /// exactly as <see cref="Run(ImageDataset, MembershipAuditOptions, IProgress{string}?, CancellationToken)"/> draws
    /// them, so a copy of that audit's target gives the same figures.
    /// </summary>
    /// <exception cref="ArgumentException">The data has fewer records than the pool, the model's input or class count is not the data's, or the split is not a proper subset of the pool.</exception>
    public static MembershipAuditResult Run(ImageDataset data, ILogitModel target, IReadOnlyCollection<int> members, MembershipAuditOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(members);
        options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        if (target.Inputs != data.Pixels || target.Classes != data.Classes)
        {
            throw new ArgumentException($"The model takes {target.Inputs} inputs and gives {target.Classes} classes; the data has {data.Pixels} and {data.Classes}.", nameof(target));
        }

        var split = new bool[options.PoolSize];
        foreach (var i in members)
        {
            if (i < 0 || i >= split.Length || split[i])
            {
                throw new ArgumentException($"Training record {i} is outside the pool of {split.Length} or named twice.", nameof(members));
            }

            split[i] = true;
        }

        if (members.Count == 0 || members.Count == split.Length)
        {
            throw new ArgumentException("The split needs both training records and holdout records in the pool.", nameof(members));
        }

        return RunCore(data, options, (target, split), progress, cancellationToken);
    }

    /// <summary>The target's half and its trained parameters, exactly as <see cref="Run(ImageDataset, MembershipAuditOptions, IProgress{string}?, CancellationToken)"/> trains them.</summary>
    internal static (int[] Members, TrainedClassifier Model) TrainTarget(ImageDataset data, MembershipAuditOptions options, CancellationToken cancellationToken = default)
    {
        options = options.Validate();
        var pool = data.Take(options.PoolSize);
        var model = new Classifier(pool.Pixels, pool.Classes, options.Hidden);
        var membership = Halves(options, 1)[0];
        var members = Enumerable.Range(0, options.PoolSize).Where(i => membership[i]).ToArray();
        return (members, new TrainedClassifier(model, TrainOne(model, pool, members, options, 0, cancellationToken)));
    }

    private static bool[][] Halves(MembershipAuditOptions options, int models)
    {
        var n = options.PoolSize;
        var random = new Random(options.Seed);
        var membership = new bool[models][];
        for (var m = 0; m < models; m++)
        {
            var order = Enumerable.Range(0, n).ToArray();
            random.Shuffle(order);
            membership[m] = new bool[n];
            foreach (var i in order.AsSpan(0, n / 2))
            {
                membership[m][i] = true;
            }
        }

        return membership;
    }

    private static float[] TrainOne(Classifier model, ImageDataset pool, int[] members, MembershipAuditOptions options, int m, CancellationToken cancellationToken) =>
        SgdTrainer.Train(model, pool.Subset(members), options.Training with { Parallelism = 1 }, NoiseSource.Seeded(options.Seed * 1000 + m), initSeed: options.Seed * 1000 + m, cancellationToken: cancellationToken).Parameters;

    private static MembershipAuditResult RunCore(ImageDataset data, MembershipAuditOptions options, (ILogitModel Model, bool[] Members)? given, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        if (data.Count < options.PoolSize)
        {
            throw new ArgumentException($"The data has {data.Count} records; the pool needs {options.PoolSize}.", nameof(data));
        }

        var n = options.PoolSize;
        var pool = data.Take(n);
        var model = new Classifier(pool.Pixels, pool.Classes, options.Hidden);

        // Model 0 is the target; models 1..K are the shadows. Each gets its own random half (a given target keeps its
        // own split; its half is still drawn, so the shadows' halves are those of the recipe's audit).
        var models = options.Shadows + 1;
        var membership = Halves(options, models);
        if (given is { } g)
        {
            membership[0] = g.Members;
        }

        var noiseKey = System.Text.Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"audit-noise-{options.Seed}"));
        var phi = new double[models][];
        var loss = new double[n];
        var trainAccuracy = 0.0;
        var testAccuracy = 0.0;
        var done = 0;
        Parallel.For(0, models, new ParallelOptions { CancellationToken = cancellationToken }, m =>
        {
            ILogitModel scored = m == 0 && given is { } target
                ? target.Model
                : new TrainedClassifier(model, TrainOne(model, pool, [.. Enumerable.Range(0, n).Where(i => membership[m][i])], options, m, cancellationToken));
            phi[m] = new double[n];
            var logits = new float[model.Classes];
            var correctIn = 0;
            var correctOut = 0;
            for (var i = 0; i < n; i++)
            {
                scored.Logits(pool.Images[i], logits);
                var y = pool.Labels[i];
                var (scaled, nll, predicted) = options.Release is null ? Score(logits, y) : ReleasedScore(options.Release, logits, pool.Images[i], y, noiseKey);
                phi[m][i] = scaled;
                if (m == 0)
                {
                    loss[i] = nll;
                    if (predicted == y)
                    {
                        if (membership[0][i])
                        {
                            correctIn++;
                        }
                        else
                        {
                            correctOut++;
                        }
                    }
                }
            }

            if (m == 0)
            {
                var inCount = membership[0].Count(x => x);
                trainAccuracy = correctIn / (double)inCount;
                testAccuracy = correctOut / (double)(n - inCount);
            }

            progress?.Report($"{(m == 0 ? (given is null ? "target trained" : "target scored") : $"shadow {m} trained")} ({Interlocked.Increment(ref done)}/{models})");
        });

        var online = new double[n];
        var offline = new double[n];
        var means = Enumerable.Range(0, n).Select(i => ShadowMeans(phi, membership, i)).ToArray();
        var (inSpread, outSpread) = PooledSpreads(phi, membership, means);
        for (var i = 0; i < n; i++)
        {
            var (muIn, muOut) = means[i];
            var target = phi[0][i];
            online[i] = LogNormal(target, muIn, inSpread) - LogNormal(target, muOut, outSpread);
            offline[i] = (target - muOut) / outSpread;
        }

        AttackFigures Figures(string name, double[] scores)
        {
            var roc = new RocCurve(
                Enumerable.Range(0, n).Where(i => membership[0][i]).Select(i => scores[i]),
                Enumerable.Range(0, n).Where(i => !membership[0][i]).Select(i => scores[i]));
            return new AttackFigures(name, roc.Auc, roc.TruePositiveRateAt(0.001), roc.TruePositiveRateAt(0.01), roc);
        }

        var attacks = new[]
        {
            Figures("lira-online", online),
            Figures("lira-offline", offline),
            Figures("loss-baseline", [.. loss.Select(l => -l)]),
        };
        var exposed = Enumerable.Range(0, n).OrderByDescending(i => online[i]).Take(10)
            .Select(i => new ExposedRecord(i, pool.Labels[i], online[i], membership[0][i])).ToList();
        // A given model's training is not the recipe's: its ε is not known here.
        var privacy = given is null ? ChargedEpsilon(n / 2, options.Training) : null;
        return new MembershipAuditResult(n, options.Shadows, trainAccuracy, testAccuracy, attacks, exposed, privacy, Verdict(attacks[0], trainAccuracy, testAccuracy) + PrivacySentence(privacy));
    }

    /// <summary>The logit-scaled confidence φ = z_y − log Σ_{j≠y} e^{z_j}, the cross-entropy loss, and the predicted class.</summary>
    internal static (double Phi, double Loss, int Predicted) Score(ReadOnlySpan<float> logits, int label)
    {
        var max = double.NegativeInfinity;
        var predicted = 0;
        for (var j = 0; j < logits.Length; j++)
        {
            if (logits[j] > max)
            {
                max = logits[j];
                predicted = j;
            }
        }

        double all = 0, others = 0;
        for (var j = 0; j < logits.Length; j++)
        {
            var e = Math.Exp(logits[j] - max);
            all += e;
            if (j != label)
            {
                others += e;
            }
        }

        var zy = logits[label] - max;
        var phi = zy - Math.Log(Math.Max(others, double.Epsilon));
        var nll = Math.Log(all) - zy;
        return (phi, nll, predicted);
    }

    /// <summary>
    /// φ, loss and label from what <paramref name="policy"/> releases: p_y is the released score of the true class (0
    /// when it is not released; under label-only, 1 when the label is y), and the rest of the mass is what the other
    /// released scores add up to, or 1 − p_y if more; both floored at 10⁻⁶ so label-only answers give φ = ±13.8.
    /// </summary>
    internal static (double Phi, double Loss, int Predicted) ReleasedScore(Serving.OutputPolicy policy, ReadOnlySpan<float> logits, ReadOnlySpan<float> input, int label, ReadOnlySpan<byte> noiseKey)
    {
        const double floor = 1e-6;
        var released = Serving.PredictionShaper.Shape(policy, Serving.PredictionShaper.SoftMax(logits), input, noiseKey);
        double py, others = 0;
        if (released.Scores is null)
        {
            py = released.Label == label ? 1 : 0;
        }
        else
        {
            py = 0;
            foreach (var s in released.Scores)
            {
                if (s.Class == label)
                {
                    py = s.Score;
                }
                else
                {
                    others += s.Score;
                }
            }
        }

        others = Math.Max(others, 1 - py);
        return (Math.Log(Math.Max(py, floor)) - Math.Log(Math.Max(others, floor)), -Math.Log(Math.Max(py, floor)), released.Label);
    }

    private static (double In, double Out) ShadowMeans(double[][] phi, bool[][] membership, int i)
    {
        double sumIn = 0, sumOut = 0;
        int countIn = 0, countOut = 0;
        for (var m = 1; m < phi.Length; m++)
        {
            if (membership[m][i])
            {
                sumIn += phi[m][i];
                countIn++;
            }
            else
            {
                sumOut += phi[m][i];
                countOut++;
            }
        }

        var muOut = countOut == 0 ? 0 : sumOut / countOut;
        return (countIn == 0 ? muOut : sumIn / countIn, muOut);
    }

    /// <summary>One standard deviation per side, pooled over records: the shadows' φ around each record's own mean.</summary>
    private static (double In, double Out) PooledSpreads(double[][] phi, bool[][] membership, (double In, double Out)[] means)
    {
        double squaresIn = 0, squaresOut = 0;
        long countIn = 0, countOut = 0;
        for (var i = 0; i < means.Length; i++)
        {
            var (muIn, muOut) = means[i];
            for (var m = 1; m < phi.Length; m++)
            {
                if (membership[m][i])
                {
                    squaresIn += (phi[m][i] - muIn) * (phi[m][i] - muIn);
                    countIn++;
                }
                else
                {
                    squaresOut += (phi[m][i] - muOut) * (phi[m][i] - muOut);
                    countOut++;
                }
            }
        }

        return (Math.Max(Math.Sqrt(squaresIn / Math.Max(countIn, 1)), 1e-6), Math.Max(Math.Sqrt(squaresOut / Math.Max(countOut, 1)), 1e-6));
    }

    private static double LogNormal(double x, double mean, double sd) => -Math.Log(sd) - (0.5 * ((x - mean) / sd) * ((x - mean) / sd));

    /// <summary>
    /// The ε at <see cref="Delta"/> that DP-SGD training on <paramref name="examples"/> records with
    /// <paramref name="training"/> is charged: the tighter of the PLD and RDP accountants (as <c>obscura train</c>
    /// charges the budget), or null without a noise multiplier.
    /// </summary>
    internal static Obscura.Privacy.Accounting.AccountedEpsilon? ChargedEpsilon(int examples, TrainingOptions training)
    {
        if (training.NoiseMultiplier is not { } sigma)
        {
            return null;
        }

        var (rate, steps) = SgdTrainer.Schedule(examples, training);
        var accountant = new Obscura.Privacy.Accounting.PrivacyAccountant();
        accountant.Add(new Obscura.Privacy.Accounting.PrivacyCost.SubsampledGaussian(rate, sigma, steps));
        return accountant.TightestEpsilonFor(Delta);
    }

    private static string PrivacySentence(Obscura.Privacy.Accounting.AccountedEpsilon? privacy) => privacy is not { } p
        ? ""
        : string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $" Its DP-SGD training is charged ε = {p.Epsilon:F2} at δ = 10⁻⁵ by the {p.MethodToken.ToUpperInvariant()} accountant (RDP gives {p.RdpEpsilon:F2}, PLD {(p.PldEpsilon is { } pld ? pld.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "n/a")}).");

    private static string Verdict(AttackFigures lira, double train, double test)
    {
        var gap = train - test;
        if (lira.TprAtFpr0001 <= 0.003 && lira.Auc < 0.55)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"No measurable membership leakage: at 1 false alarm per 1,000 people the strongest attack (LiRA) flags {lira.TprAtFpr0001:P2} of the training records, about what guessing gives, and its AUC is {lira.Auc:F3}. Generalisation gap {gap:P1}.");
        }

        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The model leaks who was in its training data: at 1 false alarm per 1,000 people, LiRA identifies {lira.TprAtFpr0001:P1} of the training records ({lira.TprAtFpr0001 / 0.001:F0}× chance), AUC {lira.Auc:F3}; it fits its training records {gap:P1} better than new ones. Train it with DP-SGD (obscura train --epsilon), reduce overfitting, or do not release it or its confidence scores.");
    }
}
