"""The mutual credit fund in rotation (信用互助基金, 会员制, 轮流使用): member firms pay a fee into a
fund kept by the finance company and draw small working-capital advances from it one after the
other, in an order fixed in advance by the rule the members chose (docs/schemes.md)."""
