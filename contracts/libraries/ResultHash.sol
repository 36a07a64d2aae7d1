// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IResultsOracle} from "../interfaces/IResultsOracle.sol";

/**
 * @title ResultHash
 * @notice EIP-712 struct hashes of the oracle's signed payloads, and the batch leaf hash.
 * @dev The type strings below are the single source of truth for every off-chain signer
 * (`oracle/result.ts` mirrors them field for field, and a test proves the digests agree).
 */
library ResultHash {
    /// @dev keccak256("Result(bytes32 eventId,uint8 status,uint32[] values,uint64 endedAt,uint32 version,uint64 notBefore,uint64 deadline,uint32 epoch)")
    bytes32 internal constant RESULT_TYPEHASH = keccak256(
        "Result(bytes32 eventId,uint8 status,uint32[] values,uint64 endedAt,uint32 version,uint64 notBefore,uint64 deadline,uint32 epoch)"
    );

    /// @dev keccak256("Batch(bytes32 root,uint32 count,uint64 notBefore,uint64 deadline,uint32 epoch)")
    bytes32 internal constant BATCH_TYPEHASH = keccak256(
        "Batch(bytes32 root,uint32 count,uint64 notBefore,uint64 deadline,uint32 epoch)"
    );

    /**
     * @dev keccak256("Resolution(bytes32 eventId,uint8 status,uint32[] values,uint64 endedAt,uint32 version,uint64 notBefore,uint64 deadline,uint32 epoch)"):
     * the fields of a `Result` under another type name. What `disputeThreshold` attesters sign to resolve a
     * dispute, so that the signatures of a proposal (a `Result`) never resolve a dispute of it.
     */
    bytes32 internal constant RESOLUTION_TYPEHASH = keccak256(
        "Resolution(bytes32 eventId,uint8 status,uint32[] values,uint64 endedAt,uint32 version,uint64 notBefore,uint64 deadline,uint32 epoch)"
    );

    /// @dev keccak256("BatchResolution(bytes32 root,uint32 count,uint64 notBefore,uint64 deadline,uint32 epoch)"):
    /// the fields of a `Batch`, signed to uphold a disputed root (see {RESOLUTION_TYPEHASH}).
    bytes32 internal constant BATCH_RESOLUTION_TYPEHASH = keccak256(
        "BatchResolution(bytes32 root,uint32 count,uint64 notBefore,uint64 deadline,uint32 epoch)"
    );

    /**
     * @notice `keccak256(abi.encodePacked(values))`.
     * @dev `abi.encodePacked` pads array elements to 32 bytes, so this is at once the EIP-712 `encodeData`
     * of a `uint32[]` member and the stored commitment of a long outcome: one hash serves both. The elements
     * are hashed as they sit in calldata (no copy loop); a non-canonical encoding (dirty high bits) hashes
     * differently from what attesters signed and so fails verification.
     */
    function valuesHash(uint32[] calldata values) internal pure returns (bytes32 result) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let size := shl(5, values.length)
            calldatacopy(ptr, values.offset, size)
            result := keccak256(ptr, size)
        }
    }

    /// @notice EIP-712 struct hash of `result`.
    function hash(IResultsOracle.Result calldata result) internal pure returns (bytes32) {
        return hash(result, valuesHash(result.values));
    }

    /**
     * @notice EIP-712 struct hash of `result` whose `values` hash the caller already computed.
     * @dev Equals `keccak256(abi.encode(RESULT_TYPEHASH, eventId, status, valuesHash_, endedAt, version,
     * notBefore, deadline, epoch))`, built from the calldata head words in place: the head of a `Result` is
     * `eventId, status, <offset of values>, endedAt, version, notBefore, deadline, epoch`, so the offset word is
     * replaced by the values hash. Non-canonical words hash differently and fail verification.
     */
    function hash(IResultsOracle.Result calldata result, bytes32 valuesHash_) internal pure returns (bytes32 digest) {
        bytes32 typeHash = RESULT_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), result, 0x40) // eventId, status
            mstore(add(ptr, 0x60), valuesHash_)
            calldatacopy(add(ptr, 0x80), add(result, 0x60), 0xa0) // endedAt, version, notBefore, deadline, epoch
            digest := keccak256(ptr, 0x120)
        }
    }

    /**
     * @notice EIP-712 struct hash of `batch`.
     * @dev `keccak256(abi.encode(BATCH_TYPEHASH, root, count, notBefore, deadline, epoch))`, from the static
     * calldata struct in place.
     */
    function hash(IResultsOracle.Batch calldata batch) internal pure returns (bytes32 digest) {
        bytes32 typeHash = BATCH_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), batch, 0xa0)
            digest := keccak256(ptr, 0xc0)
        }
    }

    /**
     * @notice EIP-712 struct hash of the `Resolution` of `result`, whose `values` hash the caller already computed.
     * @dev Plain `abi.encode`: resolutions are rare, and the calldata reads validate every field (a word wider
     * than its type reverts). The hot `Result` and `Batch` hashes above are built in place instead.
     */
    function resolutionHash(
        IResultsOracle.Result calldata result,
        bytes32 valuesHash_
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    RESOLUTION_TYPEHASH,
                    result.eventId,
                    result.status,
                    valuesHash_,
                    result.endedAt,
                    result.version,
                    result.notBefore,
                    result.deadline,
                    result.epoch
                )
            );
    }

    /// @notice EIP-712 struct hash of the `BatchResolution` of `batch` (see {resolutionHash}).
    function resolutionHash(IResultsOracle.Batch calldata batch) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    BATCH_RESOLUTION_TYPEHASH,
                    batch.root,
                    batch.count,
                    batch.notBefore,
                    batch.deadline,
                    batch.epoch
                )
            );
    }

    /**
     * @notice Leaf of `result` in an OpenZeppelin `StandardMerkleTree` with leaf encoding
     * `["bytes32","uint8","uint32[]","uint64","uint32"]` (double-hashed against second-preimage attacks).
     * @dev `keccak256(bytes.concat(keccak256(abi.encode(eventId, uint8(status), values, endedAt, version))))`,
     * built from calldata in place: the head of a `BatchedResult` is `eventId, status, <offset of values>,
     * endedAt, version`, which is `abi.encode`'s head once the offset word reads 0xa0, followed by the array's
     * length and elements. A non-canonical encoding hashes differently and fails the proof.
     */
    function leaf(IResultsOracle.BatchedResult calldata result) internal pure returns (bytes32 hash_) {
        uint32[] calldata values = result.values;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, result, 0xa0)
            mstore(add(ptr, 0x40), 0xa0)
            mstore(add(ptr, 0xa0), values.length)
            let size := shl(5, values.length)
            calldatacopy(add(ptr, 0xc0), values.offset, size)
            mstore(0x00, keccak256(ptr, add(0xc0, size)))
            hash_ := keccak256(0x00, 0x20)
        }
    }
}
