// generation_config.json: what transformers' `generate` reads beside config.json, keys sorted:
//   _from_model_config  false (written by this exporter, not copied from config.json)
//   bos_token_id        the BOS id (left out when the model has none)
//   eos_token_id        every id that ends generation, as one number or a list: the model's EOS
//                       ids and the tokenizer's end-of-generation ids (EOS, end of turn, and the
//                       control tokens llama.cpp stops at), so generation stops where pipe's does
//   pad_token_id        the padding id (left out when the tokenizer has none)

import Foundation
import JSON
import Llama
import Tokenizer

/// The token ids transformers' `generate` starts, stops and pads with.
public struct GenerationConfig: Sendable, Equatable {
    public var bosTokenID: Int?
    public var eosTokenIDs: [Int]
    public var padTokenID: Int?

    public init(bosTokenID: Int?, eosTokenIDs: [Int], padTokenID: Int?) {
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
        self.padTokenID = padTokenID
    }

    /// The ids of `config` and `tokenizer` together (the tokenizer's BOS when the config has none).
    public init(config: LlamaConfig, tokenizer: BPETokenizer) {
        let stops = Set(config.eosTokenIds).union(tokenizer.endOfGenerationIDs.map { Int($0) })
        self.init(bosTokenID: config.bosTokenId ?? tokenizer.specialTokens.bos.map { Int($0) },
                  eosTokenIDs: stops.sorted(), padTokenID: tokenizer.specialTokens.pad.map { Int($0) })
    }

    /// The generation_config.json document.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("_from_model_config", false)]
        if let bosTokenID { members.append(("bos_token_id", .number(Double(bosTokenID)))) }
        if eosTokenIDs.count == 1 {
            members.append(("eos_token_id", .number(Double(eosTokenIDs[0]))))
        } else if !eosTokenIDs.isEmpty {
            members.append(("eos_token_id", .array(eosTokenIDs.map { .number(Double($0)) })))
        }
        if let padTokenID { members.append(("pad_token_id", .number(Double(padTokenID)))) }
        return .object(members)
    }
}
