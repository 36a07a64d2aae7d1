// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Vm
 * @notice The subset of the Foundry cheatcodes that Hardhat 3's Solidity test runner (EDR) implements and
 * that Verdict's tests use. Signatures are Foundry's (EDR is a Foundry fork); add more as needed, with the
 * exact Foundry signature, after checking that EDR knows it.
 */
interface Vm {
    /// @notice One log captured by {recordLogs}.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    // Environment
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function chainId(uint256 newChainId) external;
    function fee(uint256 newBasefee) external;
    function getBlockTimestamp() external view returns (uint256);
    function deal(address account, uint256 newBalance) external;
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function store(address target, bytes32 slot, bytes32 value) external;
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function label(address account, string calldata newLabel) external;
    /// @dev Creation code of a compiled artifact, e.g. "ResultsOracle.sol:ResultsOracle" (deploy it with
    /// {Test-deployCode} to keep a large contract's bytecode out of the test contract).
    function getCode(string calldata artifactPath) external view returns (bytes memory creationBytecode);
    /// @dev Marks `target` and its storage slots cold again (EIP-2929), for gas measurements.
    function cool(address target) external;

    // Callers
    function prank(address msgSender) external;
    function prank(address msgSender, address txOrigin) external;
    function startPrank(address msgSender) external;
    function startPrank(address msgSender, address txOrigin) external;
    function stopPrank() external;

    // Keys and signatures
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    /// @dev EIP-2098 compact signature: `vs` = yParity << 255 | s.
    function signCompact(uint256 privateKey, bytes32 digest) external pure returns (bytes32 r, bytes32 vs);

    // Expectations
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes calldata revertData, address reverter) external;
    function expectPartialRevert(bytes4 revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
    function expectCall(address callee, bytes calldata data) external;
    function mockCall(address callee, bytes calldata data, bytes calldata returnData) external;
    function clearMockedCalls() external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);

    // Fuzzing and state
    function assume(bool condition) external pure;
    function skip(bool skipTest) external;
    function snapshotState() external returns (uint256 snapshotId);
    function revertToState(uint256 snapshotId) external returns (bool success);
    function pauseGasMetering() external;
    function resumeGasMetering() external;

    // Assertions (revert with a formatted message on failure)
    function assertTrue(bool condition, string calldata error) external pure;
    function assertFalse(bool condition, string calldata error) external pure;
    function assertEq(bool left, bool right, string calldata error) external pure;
    function assertEq(uint256 left, uint256 right, string calldata error) external pure;
    function assertEq(int256 left, int256 right, string calldata error) external pure;
    function assertEq(address left, address right, string calldata error) external pure;
    function assertEq(bytes32 left, bytes32 right, string calldata error) external pure;
    function assertEq(string calldata left, string calldata right, string calldata error) external pure;
    function assertEq(bytes calldata left, bytes calldata right, string calldata error) external pure;
    function assertEq(uint256[] calldata left, uint256[] calldata right, string calldata error) external pure;
    function assertEq(address[] calldata left, address[] calldata right, string calldata error) external pure;
    function assertEq(bytes32[] calldata left, bytes32[] calldata right, string calldata error) external pure;
    function assertNotEq(uint256 left, uint256 right, string calldata error) external pure;
    function assertNotEq(address left, address right, string calldata error) external pure;
    function assertNotEq(bytes32 left, bytes32 right, string calldata error) external pure;
    function assertGt(uint256 left, uint256 right, string calldata error) external pure;
    function assertGe(uint256 left, uint256 right, string calldata error) external pure;
    function assertLt(uint256 left, uint256 right, string calldata error) external pure;
    function assertLe(uint256 left, uint256 right, string calldata error) external pure;
    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta, string calldata error) external pure;

    function toString(uint256 value) external pure returns (string memory);
    function toString(address value) external pure returns (string memory);
}

/**
 * @title CodeDeployer
 * @notice Deploys an artifact in an external call, so that a test can `vm.expectRevert` a constructor revert
 * without embedding the contract's creation code (see {Test-deployCode}).
 */
contract CodeDeployer {
    Vm private constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    function deploy(string calldata artifactPath, bytes calldata args) external returns (address deployed) {
        bytes memory initCode = bytes.concat(vm.getCode(artifactPath), args);
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
            if iszero(deployed) {
                let ptr := mload(0x40)
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
        }
    }
}

/**
 * @title Test
 * @notice Minimal forge-std-style base for Hardhat 3 Solidity tests (forge-std is not available here).
 * Provides `vm`, assertions (through the assertion cheatcodes, which revert with a formatted message),
 * `bound`, `makeAddr`, and the invariant target/exclude functions that the runner calls
 * (same signatures as forge-std `StdInvariant`).
 *
 * Conventions (STYLE 2.7): `setUp()`, `test_<fn>_<outcome>`, `testFuzz_<fn>_<property>`,
 * `invariant_<property>`; a test fails by reverting.
 */
abstract contract Test {
    // STORAGE

    /// @dev The cheatcode address: `address(uint160(uint256(keccak256("hevm cheat code"))))`.
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    uint256 private constant UINT256_MAX = type(uint256).max;
    uint256 private constant SIGN_BIT = 1 << 255;

    /// @notice A contract and some of its selectors, for {targetSelector} / {excludeSelector}.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice An artifact and some of its selectors, for {targetArtifactSelector}.
    struct FuzzArtifactSelector {
        string artifact;
        bytes4[] selectors;
    }

    /// @notice A contract to call through the ABIs of `artifacts`.
    struct FuzzInterface {
        address addr;
        string[] artifacts;
    }

    address[] private _targetedContracts;
    address[] private _excludedContracts;
    address[] private _targetedSenders;
    address[] private _excludedSenders;
    string[] private _targetedArtifacts;
    string[] private _excludedArtifacts;
    FuzzSelector[] private _targetedSelectors;
    FuzzSelector[] private _excludedSelectors;
    FuzzArtifactSelector[] private _targetedArtifactSelectors;
    FuzzInterface[] private _targetedInterfaces;

    // ASSERTIONS

    function fail(string memory message) internal pure {
        vm.assertTrue(false, message);
    }

    function assertTrue(bool condition) internal pure {
        vm.assertTrue(condition, "expected true");
    }

    function assertTrue(bool condition, string memory message) internal pure {
        vm.assertTrue(condition, message);
    }

    function assertFalse(bool condition) internal pure {
        vm.assertFalse(condition, "expected false");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        vm.assertFalse(condition, message);
    }

    function assertEq(bool left, bool right) internal pure {
        vm.assertEq(left, right, "bool mismatch");
    }

    function assertEq(bool left, bool right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(uint256 left, uint256 right) internal pure {
        vm.assertEq(left, right, "uint mismatch");
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(int256 left, int256 right) internal pure {
        vm.assertEq(left, right, "int mismatch");
    }

    function assertEq(int256 left, int256 right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(address left, address right) internal pure {
        vm.assertEq(left, right, "address mismatch");
    }

    function assertEq(address left, address right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(bytes32 left, bytes32 right) internal pure {
        vm.assertEq(left, right, "bytes32 mismatch");
    }

    function assertEq(bytes32 left, bytes32 right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(string memory left, string memory right) internal pure {
        vm.assertEq(left, right, "string mismatch");
    }

    function assertEq(string memory left, string memory right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(bytes memory left, bytes memory right) internal pure {
        vm.assertEq(left, right, "bytes mismatch");
    }

    function assertEq(bytes memory left, bytes memory right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(uint256[] memory left, uint256[] memory right) internal pure {
        vm.assertEq(left, right, "uint[] mismatch");
    }

    function assertEq(uint256[] memory left, uint256[] memory right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(address[] memory left, address[] memory right) internal pure {
        vm.assertEq(left, right, "address[] mismatch");
    }

    function assertEq(address[] memory left, address[] memory right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertEq(bytes32[] memory left, bytes32[] memory right) internal pure {
        vm.assertEq(left, right, "bytes32[] mismatch");
    }

    function assertEq(bytes32[] memory left, bytes32[] memory right, string memory message) internal pure {
        vm.assertEq(left, right, message);
    }

    function assertNotEq(uint256 left, uint256 right) internal pure {
        vm.assertNotEq(left, right, "expected different uints");
    }

    function assertNotEq(uint256 left, uint256 right, string memory message) internal pure {
        vm.assertNotEq(left, right, message);
    }

    function assertNotEq(address left, address right) internal pure {
        vm.assertNotEq(left, right, "expected different addresses");
    }

    function assertNotEq(address left, address right, string memory message) internal pure {
        vm.assertNotEq(left, right, message);
    }

    function assertNotEq(bytes32 left, bytes32 right) internal pure {
        vm.assertNotEq(left, right, "expected different bytes32");
    }

    function assertNotEq(bytes32 left, bytes32 right, string memory message) internal pure {
        vm.assertNotEq(left, right, message);
    }

    function assertGt(uint256 left, uint256 right) internal pure {
        vm.assertGt(left, right, "expected left > right");
    }

    function assertGt(uint256 left, uint256 right, string memory message) internal pure {
        vm.assertGt(left, right, message);
    }

    function assertGe(uint256 left, uint256 right) internal pure {
        vm.assertGe(left, right, "expected left >= right");
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure {
        vm.assertGe(left, right, message);
    }

    function assertLt(uint256 left, uint256 right) internal pure {
        vm.assertLt(left, right, "expected left < right");
    }

    function assertLt(uint256 left, uint256 right, string memory message) internal pure {
        vm.assertLt(left, right, message);
    }

    function assertLe(uint256 left, uint256 right) internal pure {
        vm.assertLe(left, right, "expected left <= right");
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure {
        vm.assertLe(left, right, message);
    }

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta) internal pure {
        vm.assertApproxEqAbs(left, right, maxDelta, "values differ by more than maxDelta");
    }

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta, string memory message) internal pure {
        vm.assertApproxEqAbs(left, right, maxDelta, message);
    }

    // UTILITIES

    /**
     * @notice Maps `x` into `[min, max]` (forge-std `StdUtils.bound` semantics): values already inside are
     * kept, so the fuzzer's edge values (0, 1, 2, 3, max - 3 .. max) map to the edges of the range.
     */
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256 result) {
        require(min <= max, "bound: max is less than min");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (x <= 3 && size > x) return min + x;
        if (x >= UINT256_MAX - 3 && size > UINT256_MAX - x) return max - (UINT256_MAX - x);
        if (x > max) {
            uint256 rem = (x - max) % size;
            if (rem == 0) return max;
            result = min + rem - 1;
        } else {
            uint256 rem = (min - x) % size;
            if (rem == 0) return min;
            result = max - rem + 1;
        }
    }

    /// @notice Signed variant of {bound}.
    function bound(int256 x, int256 min, int256 max) internal pure returns (int256 result) {
        require(min <= max, "bound: max is less than min");
        // Flipping the sign bit maps int256 onto uint256 preserving order; bound there and map back.
        uint256 y = bound(uint256(x) ^ SIGN_BIT, uint256(min) ^ SIGN_BIT, uint256(max) ^ SIGN_BIT);
        result = int256(y ^ SIGN_BIT);
    }

    /// @notice Deploys `artifactPath` (see {Vm-getCode}) with ABI-encoded constructor `args`; bubbles a revert.
    function deployCode(string memory artifactPath, bytes memory args) internal returns (address deployed) {
        bytes memory initCode = bytes.concat(vm.getCode(artifactPath), args);
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
            if iszero(deployed) {
                let ptr := mload(0x40)
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
        }
    }

    /// @notice A private key derived from `name`, with its address, labelled.
    function makeAddrAndKey(string memory name) internal returns (address account, uint256 privateKey) {
        privateKey = uint256(keccak256(abi.encodePacked(name))) % SECP256K1_ORDER;
        if (privateKey == 0) privateKey = 1;
        account = vm.addr(privateKey);
        vm.label(account, name);
    }

    /// @notice A labelled address derived from `name`.
    function makeAddr(string memory name) internal returns (address account) {
        (account, ) = makeAddrAndKey(name);
    }

    uint256 internal constant SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // INVARIANT TARGETS (called by the runner; same ABI as forge-std StdInvariant)

    function targetContract(address newTarget) internal {
        _targetedContracts.push(newTarget);
    }

    function excludeContract(address newExclude) internal {
        _excludedContracts.push(newExclude);
    }

    function targetSender(address newSender) internal {
        _targetedSenders.push(newSender);
    }

    function excludeSender(address newSender) internal {
        _excludedSenders.push(newSender);
    }

    function targetArtifact(string memory artifact) internal {
        _targetedArtifacts.push(artifact);
    }

    function excludeArtifact(string memory artifact) internal {
        _excludedArtifacts.push(artifact);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    function excludeSelector(FuzzSelector memory selector) internal {
        _excludedSelectors.push(selector);
    }

    function targetArtifactSelector(FuzzArtifactSelector memory selector) internal {
        _targetedArtifactSelectors.push(selector);
    }

    function targetInterface(FuzzInterface memory target) internal {
        _targetedInterfaces.push(target);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludedContracts;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }

    function targetArtifacts() public view returns (string[] memory) {
        return _targetedArtifacts;
    }

    function excludeArtifacts() public view returns (string[] memory) {
        return _excludedArtifacts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function excludeSelectors() public view returns (FuzzSelector[] memory) {
        return _excludedSelectors;
    }

    function targetArtifactSelectors() public view returns (FuzzArtifactSelector[] memory) {
        return _targetedArtifactSelectors;
    }

    function targetInterfaces() public view returns (FuzzInterface[] memory) {
        return _targetedInterfaces;
    }
}
