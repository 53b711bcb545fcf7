namespace Obscura.StoreAnalytics.Simulation;

/// <summary>One analysed frame of a simulated camera: the visitors in view (their ids, for ground truth only) and their capture embeddings.</summary>
public sealed record SimulatedFrame(string Camera, DateTimeOffset Timestamp, IReadOnlyList<(int Visitor, float[] Embedding)> Faces);
