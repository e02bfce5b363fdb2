// Exports a LoRA adapter as a PEFT folder that `peft.PeftModel.from_pretrained(base, folder)`
// loads onto the Hugging Face export of its base model:
//
//   adapter_config.json        peft_type LORA, task_type CAUSAL_LM, r, lora_alpha, lora_dropout,
//                              target_modules, use_rslora, base_model_name_or_path, ... (keys sorted)
//   adapter_model.safetensors  float32 `base_model.model.model.layers.<l>.<module>.lora_A.weight`
//                              (r, IN) and `...lora_B.weight` (OUT, r) for every adapted layer
//
// (both written by `LoRAAdapter.savePEFT`, which the project's loader reads back).
// `base_model_name_or_path` is a model name or a relative path, never an absolute path of this
// machine. The folder is written beside its destination and renamed into place.

import Foundation
import Llama

/// The PEFT export of a LoRA adapter.
public enum PEFTExport {
    /// Writes `adapter` as a PEFT folder at `folder`, replacing what is there. `baseModel` is
    /// a model name (`HuggingFaceTB/SmolLM2-135M-Instruct`) or a relative path (`../hf`), which
    /// PEFT resolves from the directory it runs in.
    public static func write(_ adapter: LoRAAdapter, baseModel: String, to folder: URL, dropout: Float = 0) throws {
        try checkBaseModel(baseModel)
        try HFExport.writeFolder(folder) { temporary in
            try adapter.savePEFT(to: temporary, dropout: dropout, baseModel: baseModel)
        }
    }

    /// Refuses an absolute path (another machine cannot open it) and what is not one line of text.
    public static func checkBaseModel(_ baseModel: String) throws {
        if LoRAAdapter.isAbsolutePath(baseModel) { throw HFExportError.absoluteBaseModel(baseModel) }
        let trimmed = baseModel.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed != baseModel || baseModel.contains(where: \.isNewline) {
            throw HFExportError.invalidBaseModel(baseModel)
        }
    }
}
