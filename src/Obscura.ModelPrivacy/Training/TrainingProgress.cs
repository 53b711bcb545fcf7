namespace Obscura.ModelPrivacy.Training;

/// <summary>Reported after each epoch.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, long Steps, double MeanLoss, double ClippedShare);
