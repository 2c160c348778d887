"""Everything that speaks to an Ethereum node: JSON-RPC, ABIs, EIP-712, the local devchain."""
