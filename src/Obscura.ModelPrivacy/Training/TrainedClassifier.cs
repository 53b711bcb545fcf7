namespace Obscura.ModelPrivacy.Training;

/// <summary>One of Obscura's own <see cref="Classifier"/>s with its trained parameters, as an <see cref="ILogitModel"/>.</summary>
public sealed class TrainedClassifier : ILogitModel
{
    private readonly float[] _parameters;

    /// <summary>Wraps <paramref name="model"/> with <paramref name="parameters"/> (not copied: do not change them afterwards).</summary>
    /// <exception cref="ArgumentException">The parameter count is not the model's.</exception>
    public TrainedClassifier(Classifier model, float[] parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Length != model.ParameterCount)
        {
            throw new ArgumentException($"The model has {model.ParameterCount} parameters, not {parameters.Length}.", nameof(parameters));
        }

        Model = model;
        _parameters = parameters;
    }

    /// <summary>The architecture.</summary>
    public Classifier Model { get; }

    /// <summary>The parameters, in <see cref="Classifier"/>'s layout.</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <inheritdoc />
    public int Inputs => Model.Inputs;

    /// <inheritdoc />
    public int Classes => Model.Classes;

    /// <inheritdoc />
    public void Logits(ReadOnlySpan<float> input, Span<float> logits)
    {
        if (logits.Length != Model.Classes)
        {
            throw new ArgumentException($"The model has {Model.Classes} classes, not {logits.Length}.", nameof(logits));
        }

        Model.Logits(_parameters, input, Model.NewWorkspace(), logits);
    }
}
