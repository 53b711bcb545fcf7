namespace Obscura.ModelPrivacy.Serving;

/// <summary>
/// What the monitor keeps of one query: a random projection of the input (not the input), the predicted class, the
/// margin between the top two probabilities, the distance to the nearest earlier query of the same predicted class
/// (PRADA's d_min; null when there was none) and whether it nearly duplicates an earlier query.
/// </summary>
public sealed record QueryTrace(float[] Sketch, int Predicted, double Margin, double? MinDistance, bool NearDuplicate);
